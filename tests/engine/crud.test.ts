import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MongoBulkWriteError,
  MongoServerError,
  ObjectId,
  Timestamp,
  BSONRegExp,
  Collection,
} from 'mongodb';
import { Harness, startHarness } from './harness';

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- per-test schemas vary; default matches the driver's
const fresh = <T extends object = any>(): Collection<T> =>
  h.client.db('crud').collection<T>(`c${n++}`);

interface Arrays {
  a: number[];
  s: string[];
  p: number[];
  items: Array<{ n: number }>;
  pa: number[];
  pop: number[];
}

describe('types round-trip exactly', () => {
  test('Int32, Long, Double, Decimal128, Date, ObjectId, Binary, Timestamp, Regex, null vs missing', async () => {
    const coll = fresh();
    const id = new ObjectId();
    const original = {
      _id: id,
      i: new Int32(7),
      l: Long.fromString('9007199254740993'),
      d: new Double(3),
      dec: Decimal128.fromString('12345.678901234567890'),
      date: new Date('2026-01-02T03:04:05.678Z'),
      bin: new Binary(Buffer.from([0, 1, 2, 255]), 4),
      ts: new Timestamp({ t: 100, i: 3 }),
      re: new BSONRegExp('^a.c$', 'i'),
      nul: null,
      nested: { arr: [new Int32(1), new Double(1.5), 'x'] },
    };
    await coll.insertOne(original);
    const raw = await h.client
      .db('crud')
      .collection(coll.collectionName)
      .findOne({ _id: id }, { promoteValues: false, promoteLongs: false, bsonRegExp: true });
    expect(raw).not.toBeNull();
    const got = raw as Record<string, unknown>;
    expect(got.i).toBeInstanceOf(Int32);
    expect(got.d).toBeInstanceOf(Double);
    expect((got.l as Long).toString()).toBe('9007199254740993');
    expect((got.dec as Decimal128).toString()).toBe('12345.678901234567890');
    expect((got.date as Date).toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect((got.bin as Binary).sub_type).toBe(4);
    expect(Buffer.from((got.bin as Binary).buffer)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect((got.ts as Timestamp).t).toBe(100);
    expect((got.re as BSONRegExp).pattern).toBe('^a.c$');
    expect(got.nul).toBeNull();
    expect('missing' in got).toBe(false);
    expect(await coll.countDocuments({ nul: null })).toBe(1);
    expect(await coll.countDocuments({ missing: null })).toBe(1);
    expect(await coll.countDocuments({ nul: { $exists: true } })).toBe(1);
    expect(await coll.countDocuments({ missing: { $exists: true } })).toBe(0);
  });

  test('numbers compare across Int32, Long, Double and Decimal128', async () => {
    const coll = fresh();
    await coll.insertMany([
      { v: new Int32(1) },
      { v: Long.fromNumber(2) },
      { v: new Double(2.5) },
      { v: Decimal128.fromString('3') },
      { v: 'text' },
    ]);
    expect(await coll.countDocuments({ v: 2 })).toBe(1);
    expect(await coll.countDocuments({ v: { $gt: 1.5 } })).toBe(3);
    expect(await coll.countDocuments({ v: { $lt: 'zzz' } })).toBe(1);
    const sorted = await coll
      .find({}, { projection: { _id: 0 } })
      .sort({ v: -1 })
      .toArray();
    expect(sorted[0]?.v).toBe('text');
  });
});

describe('insert/update/delete results', () => {
  test('insertMany ordered stops at the first duplicate and reports it', async () => {
    const coll = fresh();
    const err = await coll
      .insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }] as never[])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const bulk = err as MongoBulkWriteError;
    expect(bulk.code).toBe(11000);
    expect(bulk.insertedCount).toBe(1);
    expect(bulk.writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
    expect(await coll.countDocuments()).toBe(1);
  });

  test('unordered bulkWrite continues after errors and reports every one', async () => {
    const coll = fresh();
    await coll.createIndex({ email: 1 }, { unique: true });
    const err = await coll
      .bulkWrite(
        [
          { insertOne: { document: { email: 'a' } } },
          { insertOne: { document: { email: 'a' } } },
          { insertOne: { document: { email: 'b' } } },
          { updateOne: { filter: { email: 'b' }, update: { $set: { email: 'a' } } } },
          { deleteOne: { filter: { email: 'zzz' } } },
        ],
        { ordered: false },
      )
      .catch((e: unknown) => e);
    const bulk = err as MongoBulkWriteError;
    expect(bulk.writeErrors).toHaveLength(2);
    const [first, second] = bulk.writeErrors as unknown as Array<{
      index: number;
      code: number;
      errInfo?: unknown;
    }>;
    expect(first?.index).toBe(1);
    expect(second?.index).toBe(3);
    expect(bulk.result.insertedCount).toBe(2);
    expect(await coll.countDocuments()).toBe(2);
  });

  test('update reports n, nModified and upserted ids', async () => {
    const coll = fresh();
    await coll.insertMany([
      { k: 1, v: 1 },
      { k: 1, v: 2 },
      { k: 2, v: 3 },
    ]);
    const many = await coll.updateMany({ k: 1 }, { $set: { v: 2 } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 1 });
    const up = await coll.updateOne({ k: 9 }, { $set: { v: 9 } }, { upsert: true });
    expect(up.upsertedCount).toBe(1);
    expect(up.upsertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ k: 9 }, { projection: { _id: 0 } })).toEqual({ k: 9, v: 9 });
  });

  test('upsert seeds from query equality fields and applies $setOnInsert only on insert', async () => {
    const coll = fresh();
    const q = { tenant: 't1', 'profile.kind': 'x', n: { $gt: 1 } };
    const u = { $setOnInsert: { createdAt: 'first' }, $inc: { hits: 1 } };
    await coll.updateOne(q, u, { upsert: true });
    await coll.updateOne(
      { tenant: 't1' },
      { ...u, $setOnInsert: { createdAt: 'second' } },
      { upsert: true },
    );
    const docs = await coll.find({}, { projection: { _id: 0 } }).toArray();
    expect(docs).toEqual([{ tenant: 't1', profile: { kind: 'x' }, createdAt: 'first', hits: 2 }]);
  });

  test('deleteOne removes one, deleteMany removes all matches', async () => {
    const coll = fresh();
    await coll.insertMany([{ a: 1 }, { a: 1 }, { a: 1 }, { a: 2 }]);
    expect((await coll.deleteOne({ a: 1 })).deletedCount).toBe(1);
    expect((await coll.deleteMany({ a: 1 })).deletedCount).toBe(2);
    expect(await coll.countDocuments()).toBe(1);
  });

  test('replaceOne keeps _id; changing _id fails with ImmutableField (66)', async () => {
    const coll = fresh();
    const { insertedId } = await coll.insertOne({ a: 1, b: 2 });
    await coll.replaceOne({ _id: insertedId }, { c: 3 });
    expect(await coll.findOne({ _id: insertedId })).toEqual({ _id: insertedId, c: 3 });
    const same = await coll.updateOne({ _id: insertedId }, { $set: { _id: insertedId, d: 4 } });
    expect(same.modifiedCount).toBe(1);
    const err = await coll
      .updateOne({ _id: insertedId }, { $set: { _id: new ObjectId() } })
      .catch((e: unknown) => e);
    expect((err as MongoServerError).code).toBe(66);
  });

  test('findOneAndUpdate returns before/after documents, sorts, projects and upserts', async () => {
    const coll = fresh();
    await coll.insertMany([
      { q: 1, n: 1 },
      { q: 1, n: 5 },
    ]);
    const before = await coll.findOneAndUpdate({ q: 1 }, { $inc: { n: 10 } }, { sort: { n: -1 } });
    expect(before?.n).toBe(5);
    const after = await coll.findOneAndUpdate(
      { q: 1 },
      { $inc: { n: 1 } },
      { sort: { n: 1 }, returnDocument: 'after', projection: { _id: 0, n: 1 } },
    );
    expect(after).toEqual({ n: 2 });
    const up = await coll.findOneAndUpdate(
      { q: 2 },
      { $set: { n: 0 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(up).toMatchObject({ q: 2, n: 0 });
    const removed = await coll.findOneAndDelete({ q: 2 });
    expect(removed?.n).toBe(0);
    expect(await coll.countDocuments()).toBe(2);
  });

  test('concurrent conditional findOneAndUpdate on one document: exactly one wins', async () => {
    const coll = fresh();
    const { insertedId } = await coll.insertOne({ status: 'pending', version: 1 });
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        coll.findOneAndUpdate(
          { _id: insertedId, status: 'pending', version: 1 },
          { $set: { status: 'approved', by: i }, $inc: { version: 1 } },
          { returnDocument: 'after' },
        ),
      ),
    );
    expect(attempts.filter((r) => r !== null)).toHaveLength(1);
    expect(await coll.findOne({ _id: insertedId })).toMatchObject({
      status: 'approved',
      version: 2,
    });
  });

  test('each write command is one durable commit', async () => {
    const coll = fresh();
    const before = h.commits.length;
    await coll.insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(h.commits.length - before).toBe(1);
    const last = h.commits[h.commits.length - 1];
    expect(last?.map((op) => op.op)).toEqual(['createCollection', 'put', 'put', 'put']);
  });
});

describe('update operators', () => {
  test('$inc keeps numeric types like mongod and widens on overflow', async () => {
    const coll = fresh();
    const { insertedId: id } = await coll.insertOne({
      i: new Int32(1),
      big: new Int32(2147483647),
      d: new Double(1),
      l: Long.fromNumber(1),
    });
    await coll.updateOne(
      { _id: id },
      {
        $inc: {
          i: new Int32(1),
          big: new Int32(1),
          d: new Int32(1),
          l: new Int32(1),
          fresh: new Int32(5),
        },
      },
    );
    const raw = (await coll.findOne({ _id: id }, { promoteValues: false })) as Record<
      string,
      unknown
    >;
    expect(raw.i).toEqual(new Int32(2));
    expect(raw.big).toBeInstanceOf(Long);
    expect((raw.big as Long).toNumber()).toBe(2147483648);
    expect(raw.d).toEqual(new Double(2));
    expect(raw.l).toBeInstanceOf(Long);
    expect(raw.fresh).toEqual(new Int32(5));
    const err = await coll
      .updateOne({ _id: id }, { $inc: { s: 1 } })
      .then(() =>
        coll
          .updateOne({ _id: id }, { $set: { s: 'x' } })
          .then(() => coll.updateOne({ _id: id }, { $inc: { s: 1 } })),
      )
      .catch((e: unknown) => e);
    expect((err as MongoServerError).code).toBe(14);
  });

  test('$set/$unset/$mul/$min/$max/$rename/$currentDate', async () => {
    const coll = fresh();
    const { insertedId: id } = await coll.insertOne({
      a: 5,
      b: 5,
      c: 5,
      old: 'x',
      gone: 1,
      nested: { k: 1 },
    });
    await coll.updateOne(
      { _id: id },
      {
        $set: { 'nested.j': 2, 'deep.new.path': true },
        $unset: { gone: '' },
        $mul: { a: 2 },
        $min: { b: 3 },
        $max: { c: 9 },
        $rename: { old: 'renamed' },
        $currentDate: { at: true },
      },
    );
    const doc = await coll.findOne({ _id: id });
    expect(doc).toMatchObject({
      a: 10,
      b: 3,
      c: 9,
      renamed: 'x',
      nested: { k: 1, j: 2 },
      deep: { new: { path: true } },
    });
    expect(doc?.gone).toBeUndefined();
    expect(doc?.old).toBeUndefined();
    expect(doc?.at).toBeInstanceOf(Date);
  });

  test('$push with $each/$slice/$sort/$position, $addToSet, $pull, $pullAll, $pop', async () => {
    const coll = fresh<Arrays>();
    const { insertedId: id } = await coll.insertOne({
      a: [3, 1],
      s: ['x'],
      p: [1, 2, 3, 4, 5],
      items: [{ n: 1 }, { n: 2 }, { n: 3 }],
      pa: [1, 2, 1, 3],
      pop: [1, 2, 3],
    });
    await coll.updateOne(
      { _id: id },
      {
        $push: { a: { $each: [5, 2], $sort: 1, $slice: 3 } },
        $addToSet: { s: { $each: ['x', 'y'] } },
        $pull: { p: { $gte: 4 }, items: { n: 2 } },
        $pullAll: { pa: [1] },
        $pop: { pop: -1 },
      },
    );
    await coll.updateOne({ _id: id }, { $push: { s: { $each: ['first'], $position: 0 } } });
    const doc = await coll.findOne({ _id: id }, { projection: { _id: 0 } });
    expect(doc).toEqual({
      a: [1, 2, 3],
      s: ['first', 'x', 'y'],
      p: [1, 2, 3],
      items: [{ n: 1 }, { n: 3 }],
      pa: [2, 3],
      pop: [2, 3],
    });
  });

  test('positional $, $[] and $[id] with arrayFilters', async () => {
    const coll = fresh();
    const { insertedId: id } = await coll.insertOne({
      grades: [
        { g: 80, ok: false },
        { g: 95, ok: false },
        { g: 90, ok: false },
      ],
      tags: ['a', 'b'],
    });
    await coll.updateOne({ _id: id, 'grades.g': 95 }, { $set: { 'grades.$.ok': true } });
    await coll.updateOne({ _id: id }, { $inc: { 'grades.$[].g': 1 } });
    await coll.updateOne(
      { _id: id },
      { $set: { 'grades.$[hi].top': true } },
      { arrayFilters: [{ 'hi.g': { $gte: 91 } }] },
    );
    await coll.updateOne({ _id: id, tags: 'b' }, { $set: { 'tags.$': 'B' } });
    const doc = await coll.findOne({ _id: id }, { projection: { _id: 0 } });
    expect(doc).toEqual({
      grades: [
        { g: 81, ok: false },
        { g: 96, ok: true, top: true },
        { g: 91, ok: false, top: true },
      ],
      tags: ['a', 'B'],
    });
  });

  test('pipeline-style updates', async () => {
    const coll = fresh();
    const { insertedId: id } = await coll.insertOne({ a: 2, b: 3 });
    await coll.updateOne({ _id: id }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'b' }]);
    expect(await coll.findOne({ _id: id }, { projection: { _id: 0 } })).toEqual({ a: 2, sum: 5 });
  });

  test('two operators on the same path conflict (40)', async () => {
    const coll = fresh();
    const { insertedId: id } = await coll.insertOne({ a: 1, b: { c: 1 } });
    for (const update of [
      { $set: { a: 2 }, $inc: { a: 1 } },
      { $set: { b: 1 }, $unset: { 'b.c': '' } },
    ]) {
      const err = (await coll
        .updateOne({ _id: id }, update)
        .catch((e: unknown) => e)) as MongoServerError;
      expect(err.code).toBe(40);
    }
    expect(await coll.findOne({ _id: id }, { projection: { _id: 0 } })).toEqual({
      a: 1,
      b: { c: 1 },
    });
  });
});
