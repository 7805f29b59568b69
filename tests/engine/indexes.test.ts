import { Collection, Document, MongoServerError } from 'mongodb';
import { Harness, startHarness } from './harness';

let h: Harness;
let clock = new Date('2026-06-01T12:00:00Z');
let n = 0;
beforeAll(async () => {
  h = await startHarness(() => clock);
});
afterAll(() => h.close());
const fresh = (): Collection<Document> => h.client.db('idx').collection(`c${n++}`);

async function winningStage(
  coll: Collection<Document>,
  filter: Document,
  sort?: Document,
): Promise<Document> {
  const cursor = coll.find(filter);
  if (sort) cursor.sort(sort);
  const plan = (await cursor.explain('queryPlanner')) as Document;
  return plan.queryPlanner.winningPlan as Document;
}

describe('unique indexes', () => {
  test('a duplicate fails with code 11000, keyPattern, keyValue and the mongod message', async () => {
    const coll = fresh();
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertOne({ email: 'a@example.org' });
    const err = (await coll
      .insertOne({ email: 'a@example.org' })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
    expect(err.keyPattern).toEqual({ email: 1 });
    expect(err.keyValue).toEqual({ email: 'a@example.org' });
    expect(err.message).toBe(
      `E11000 duplicate key error collection: idx.${coll.collectionName} index: email_1 dup key: { email: "a@example.org" }`,
    );
  });

  test('_id is always unique', async () => {
    const coll = fresh();
    await coll.insertOne({ _id: 'x' as never });
    const err = (await coll
      .insertOne({ _id: 'x' as never })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err.code).toBe(11000);
    expect(err.message).toContain('index: _id_ dup key: { _id: "x" }');
  });

  test('an update that would duplicate a unique key fails and changes nothing', async () => {
    const coll = fresh();
    await coll.createIndex({ a: 1, b: 1 }, { unique: true });
    await coll.insertMany([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
    ]);
    const err = (await coll
      .updateOne({ b: 2 }, { $set: { b: 1 } })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err.code).toBe(11000);
    expect(err.keyValue).toEqual({ a: 1, b: 1 });
    expect(await coll.countDocuments({ b: 2 })).toBe(1);
  });

  test('creating a unique index over duplicates fails', async () => {
    const coll = fresh();
    await coll.insertMany([{ a: 1 }, { a: 1 }]);
    const err = (await coll
      .createIndex({ a: 1 }, { unique: true })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err.code).toBe(11000);
    expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });

  test('sparse unique ignores documents without the field; non-sparse treats missing as null', async () => {
    const sparse = fresh();
    await sparse.createIndex({ handle: 1 }, { unique: true, sparse: true });
    await sparse.insertMany([{ x: 1 }, { x: 2 }, { handle: 'h' }]);
    expect(await sparse.countDocuments()).toBe(3);
    const dense = fresh();
    await dense.createIndex({ handle: 1 }, { unique: true });
    await dense.insertOne({ x: 1 });
    const err = (await dense.insertOne({ x: 2 }).catch((e: unknown) => e)) as MongoServerError;
    expect(err.code).toBe(11000);
  });

  test('a partial unique index only constrains matching documents', async () => {
    const coll = fresh();
    await coll.createIndex(
      { user: 1 },
      { unique: true, partialFilterExpression: { active: true } },
    );
    await coll.insertMany([
      { user: 'u', active: false },
      { user: 'u', active: false },
      { user: 'u', active: true },
    ]);
    const err = (await coll
      .insertOne({ user: 'u', active: true })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err.code).toBe(11000);
  });
});

describe('index use', () => {
  let coll: Collection<Document>;
  beforeAll(async () => {
    coll = fresh();
    await coll.insertMany(
      Array.from({ length: 300 }, (_, i) => ({
        group: i % 3,
        at: i,
        tags: [`t${i % 5}`, 'all'],
        name: `n${i}`,
      })),
    );
    await coll.createIndexes([
      { key: { group: 1, at: -1 } },
      { key: { tags: 1 } },
      { key: { name: 1 } },
    ]);
  });

  test('explain shows IXSCAN for equality and range on an index prefix, COLLSCAN otherwise', async () => {
    const eq = await winningStage(coll, { group: 1 });
    expect(eq.stage).toBe('FETCH');
    expect(eq.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'group_1_at_-1' });
    const range = await winningStage(coll, { name: { $gte: 'n1', $lt: 'n2' } });
    expect(range.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'name_1' });
    expect((await winningStage(coll, { at: 5 })).stage).toBe('COLLSCAN');
    expect((await winningStage(coll, { _id: 'x' })).stage).toBe('IDHACK');
  });

  test('indexed queries return the same results as scans, counted in engine stats', async () => {
    const before = h.engine.stats();
    const viaIndex = await coll
      .find({ group: 2, at: { $gt: 100, $lte: 200 } })
      .sort({ at: -1 })
      .toArray();
    const multikey = await coll.countDocuments({ tags: 't3' });
    const inList = await coll.countDocuments({ name: { $in: ['n1', 'n2', 'nope'] } });
    const after = h.engine.stats();
    expect(after.indexScans - before.indexScans).toBe(3);
    expect(after.collectionScans - before.collectionScans).toBe(0);
    const expected = Array.from({ length: 300 }, (_, i) => i)
      .filter((i) => i % 3 === 2 && i > 100 && i <= 200)
      .reverse();
    expect(viaIndex.map((d) => d.at)).toEqual(expected);
    expect(multikey).toBe(60);
    expect(inList).toBe(2);
    await coll.countDocuments({ at: 7 });
    expect(h.engine.stats().collectionScans - after.collectionScans).toBe(1);
  });

  test('updates keep every index right, whether or not they change indexed fields', async () => {
    const c = fresh();
    await c.createIndexes([{ key: { group: 1, at: 1 } }, { key: { tags: 1 } }]);
    await c.insertMany([
      { key: 'a', group: 1, at: 1, tags: ['x', 'y'], note: 'first' },
      { key: 'b', group: 1, at: 2, tags: ['y'], note: 'second' },
    ]);
    // No indexed field changes: each document is still found once, by every index.
    await c.updateOne({ key: 'a' }, { $set: { note: 'changed' }, $inc: { n: 1 } });
    // The same tags in another order, and an indexed field that moves.
    await c.updateOne({ key: 'a' }, { $set: { tags: ['y', 'x'] } });
    await c.updateOne({ key: 'b' }, { $set: { at: 5 } });
    const ids = async (filter: Document) =>
      (await c.find(filter).toArray()).map((d) => String(d.key)).sort();
    expect(await ids({ group: 1, at: { $gte: 0 } })).toEqual(['a', 'b']);
    expect(await ids({ group: 1, at: 2 })).toEqual([]);
    expect(await ids({ group: 1, at: 5 })).toEqual(['b']);
    expect(await ids({ tags: 'x' })).toEqual(['a']);
    expect(await ids({ tags: 'y' })).toEqual(['a', 'b']);
    await c.deleteOne({ key: 'a' });
    expect(await ids({ tags: 'y' })).toEqual(['b']);
  });

  test('a long $in on the first field of an index still uses the index', async () => {
    const names = Array.from({ length: 500 }, (_, i) => `n${i}`);
    const before = h.engine.stats();
    const found = await coll.countDocuments({ name: { $in: names } });
    const after = h.engine.stats();
    expect(after.collectionScans - before.collectionScans).toBe(0);
    expect(found).toBe(await coll.countDocuments({ name: { $regex: '^n' } }));
    // A product of two lists beyond the cap narrows on the first field only, and stays right.
    const wide = await coll.countDocuments({
      group: { $in: [0, 1, 2] },
      at: { $in: names.map((_, i) => i) },
    });
    expect(wide).toBe(300);
  });

  test('a sort served by the index stops at the limit and keeps index order', async () => {
    const top = await coll.find({ group: 0 }).sort({ at: -1 }).limit(3).toArray();
    expect(top.map((d) => d.at)).toEqual([297, 294, 291]);
    const bottom = await coll.find({ group: 0 }).sort({ at: 1 }).limit(2).toArray();
    expect(bottom.map((d) => d.at)).toEqual([0, 3]);
  });

  test('_id ranges and sorts by _id use the _id order, kept up to date', async () => {
    const ids = h.client.db('idx').collection<{ _id: number; v?: number }>('byid');
    await ids.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i })));
    const plan = (await ids
      .find({ _id: { $gte: 10, $lt: 13 } })
      .explain('queryPlanner')) as Document;
    expect(plan.queryPlanner.winningPlan.inputStage).toMatchObject({
      stage: 'IXSCAN',
      indexName: '_id_',
    });
    expect((await ids.find({ _id: { $gte: 10, $lt: 13 } }).toArray()).map((d) => d._id)).toEqual([
      10, 11, 12,
    ]);
    await ids.insertOne({ _id: 100 });
    await ids.deleteOne({ _id: 49 });
    const latest = await ids.find({}).sort({ _id: -1 }).limit(2).toArray();
    expect(latest.map((d) => d._id)).toEqual([100, 48]);
    expect((await ids.indexes()).map((i) => i.name)).toEqual(['_id_']);
  });

  test('index entries follow updates and deletes', async () => {
    await coll.updateOne({ name: 'n10' }, { $set: { name: 'renamed' } });
    expect(await coll.countDocuments({ name: 'n10' })).toBe(0);
    expect(await coll.countDocuments({ name: 'renamed' })).toBe(1);
    await coll.deleteOne({ name: 'renamed' });
    expect(await coll.countDocuments({ name: 'renamed' })).toBe(0);
  });
});

describe('index catalog commands', () => {
  test('listIndexes on a missing collection fails with NamespaceNotFound (26)', async () => {
    const err = (await h.client
      .db('idx')
      .collection('nope')
      .listIndexes()
      .toArray()
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err.code).toBe(26);
  });

  test('createIndexes is idempotent; conflicting specs fail; dropIndexes removes', async () => {
    const coll = fresh();
    expect(await coll.createIndex({ a: 1 }, { unique: true })).toBe('a_1');
    expect(await coll.createIndex({ a: 1 }, { unique: true })).toBe('a_1');
    const conflict = (await coll
      .createIndex({ a: 1 }, { name: 'a_1', sparse: true })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(conflict.code).toBe(86);
    const specs = await coll.listIndexes().toArray();
    expect(specs).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1 }, name: 'a_1', unique: true },
    ]);
    await coll.dropIndex('a_1');
    expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_']);
    const missing = (await coll.dropIndex('zz').catch((e: unknown) => e)) as MongoServerError;
    expect(missing.code).toBe(27);
  });
});

describe('TTL indexes', () => {
  test('the monitor removes expired documents through durable commits', async () => {
    const coll = fresh();
    await coll.createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
    await coll.createIndex({ createdAt: 1 }, { expireAfterSeconds: 60 });
    await coll.insertMany([
      { k: 'expired', expires: new Date(clock.getTime() - 1000) },
      { k: 'future', expires: new Date(clock.getTime() + 60_000) },
      { k: 'old', createdAt: new Date(clock.getTime() - 61_000) },
      { k: 'young', createdAt: new Date(clock.getTime() - 30_000) },
      { k: 'not a date', expires: 'tomorrow' },
    ]);
    const commitsBefore = h.commits.length;
    h.engine.startTtlMonitor(20);
    await new Promise((r) => setTimeout(r, 120));
    expect((await coll.find({}).toArray()).map((d) => d.k).sort()).toEqual([
      'future',
      'not a date',
      'young',
    ]);
    const deletes = h.commits
      .slice(commitsBefore)
      .flat()
      .filter((op) => op.op === 'delete');
    expect(deletes).toHaveLength(2);
    clock = new Date(clock.getTime() + 120_000);
    await new Promise((r) => setTimeout(r, 120));
    h.engine.stop();
    expect((await coll.find({}).toArray()).map((d) => d.k)).toEqual(['not a date']);
  });
});

describe('equality with null', () => {
  test('{ f: null } reads only the null entries of an index (null and missing)', async () => {
    const c = fresh();
    await c.createIndex({ group: 1, parent: 1, at: -1, _id: -1 });
    await c.insertMany([
      { _id: 't1' as never, group: 1, at: 1 }, // no parent field
      { _id: 't2' as never, group: 1, parent: null, at: 2 },
      { _id: 't3' as never, group: 1, parent: null, at: 3 },
      { _id: 't4' as never, group: 1, parent: null, at: 4 },
      { _id: 'o' as never, group: 2, parent: null, at: 6 },
      ...Array.from({ length: 40 }, (_, i) => ({
        _id: `r${i}` as never,
        group: 1,
        parent: 't1',
        at: i,
      })),
    ]);
    const threads = { group: 1, parent: null };
    const before = h.engine.stats();
    const found = await c.find(threads).toArray();
    const after = h.engine.stats();
    expect(found.map((d) => d._id).sort()).toEqual(['t1', 't2', 't3', 't4']);
    expect(after.docsExamined - before.docsExamined).toBe(4); // not the 40 replies
    expect(await c.countDocuments({ group: 1, parent: { $eq: null } })).toBe(4);
    // An array holding null matches, an empty array does not: as without the index.
    await c.insertMany([
      { _id: 'a' as never, group: 1, parent: [null, 'x'], at: 0 },
      { _id: 'e' as never, group: 1, parent: [], at: 0 },
    ]);
    expect(await c.countDocuments(threads)).toBe(5);
    await c.deleteMany({ _id: { $in: ['a', 'e'] as never[] } });
    await c.dropIndex('group_1_parent_1_at_-1__id_-1'); // multikey now: rebuilt without arrays
    await c.createIndex({ group: 1, parent: 1, at: -1, _id: -1 });
    // Newest first with _id breaking ties: the index holds that order, so a page stops early.
    const start = h.engine.stats();
    const page = await c.find(threads).sort({ at: -1, _id: -1 }).limit(2).toArray();
    expect(page.map((d) => d._id)).toEqual(['t4', 't3']);
    expect(h.engine.stats().docsExamined - start.docsExamined).toBe(2);
  });

  test('a sparse index is not used for { f: null }: it leaves out documents without f', async () => {
    const c = fresh();
    await c.createIndex({ code: 1 }, { sparse: true });
    await c.insertMany([{ code: 'a' }, { code: null }, { other: 1 }]);
    expect(await c.countDocuments({ code: null })).toBe(2);
    expect((await winningStage(c, { code: null })).stage).toBe('COLLSCAN');
    expect((await winningStage(c, { code: 'a' })).inputStage).toMatchObject({
      indexName: 'code_1',
    });
  });
});
