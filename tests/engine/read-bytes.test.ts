import { randomInt } from 'node:crypto';
import {
  Binary,
  Decimal128,
  deserialize,
  Double,
  EJSON,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
} from 'bson';
import type { Collection, Document } from 'mongodb';
import { fieldPick, pickFields } from '../../server/database/embedded/bson/raw';
import { compileProjection } from '../../server/database/embedded/query/projection';
import { Harness, startHarness } from './harness';

/**
 * Reads that only need the stored bytes (find with no projection or a top-level one, counts)
 * decode just the fields the filter and sort read, and project by copying bytes. They must
 * answer exactly what the whole-document path answers, for every BSON type and operator.
 */
let h: Harness;
let coll: Collection;

const pick = <T>(list: readonly T[]): T => list[randomInt(list.length)] as T;

function randomValue(depth = 0): unknown {
  const kinds = [
    () => randomInt(5),
    () => new Int32(randomInt(5)),
    () => Long.fromNumber(randomInt(5)),
    () => new Double(randomInt(5) + 0.5),
    () => Decimal128.fromString(String(randomInt(5))),
    () => pick(['a', 'b', 'c', 'é', '']),
    () => new Date(Date.UTC(2026, 0, 1 + randomInt(5))),
    () => new ObjectId(),
    () => randomInt(2) === 1,
    () => null,
    () => new Binary(Buffer.from([randomInt(5)])),
    () => /ab+c/i,
    () => new Timestamp({ t: randomInt(5), i: 1 }),
    () => new MinKey(),
    () => new MaxKey(),
    () => (depth < 2 ? { x: randomValue(depth + 1), y: randomValue(depth + 1) } : 1),
    () => (depth < 2 ? [randomValue(depth + 1), randomValue(depth + 1)] : []),
  ];
  return pick(kinds)();
}

function randomDoc(i: number): Document {
  const doc: Document = { _id: i };
  for (const f of ['a', 'b', 'c', 'd', 'e', 'naïve']) if (randomInt(4) > 0) doc[f] = randomValue();
  doc.body = 'x'.repeat(randomInt(200));
  return doc;
}

function randomFilter(depth = 0): Document {
  const field = pick(['a', 'b', 'c', 'a.x', 'b.y', 'd', 'e', '_id', 'naïve']);
  const value = randomValue(2);
  const ops: Array<() => Document> = [
    () => ({ [field]: value }),
    () => ({ [field]: { $gt: value } }),
    () => ({ [field]: { $lte: value } }),
    () => ({ [field]: { $in: [value, randomValue(2)] } }),
    () => ({ [field]: { $exists: randomInt(2) === 1 } }),
    () => ({ [field]: { $ne: value } }),
    () => ({ [field]: { $not: { $gt: value } } }),
    () => ({ [field]: { $elemMatch: { $gte: value } } }),
    () => ({ [field]: { $type: pick(['string', 'int', 'object', 'array', 'null']) } }),
    () => (depth < 2 ? { $or: [randomFilter(depth + 1), randomFilter(depth + 1)] } : {}),
    () => (depth < 2 ? { $and: [randomFilter(depth + 1), randomFilter(depth + 1)] } : {}),
    () => (depth < 2 ? { $nor: [randomFilter(depth + 1)] } : {}),
    () => ({}),
  ];
  return pick(ops)();
}

const PROJECTIONS: Array<Document | undefined> = [
  undefined,
  { body: 0 },
  { body: 0, a: 0 },
  { a: 1, b: 1 },
  { a: 1, _id: 0 },
  { _id: 0 },
  { _id: 1 },
  { body: 0, _id: 0 },
  { naïve: 1, b: 1 },
  { naïve: 0 },
  { 'a.x': 1 }, // a path: the whole-document projector
];

/** A document as canonical Extended JSON (types and field order kept). */
function canonical(doc: Document): string {
  return EJSON.stringify(doc, { relaxed: false });
}

/** BSON types kept as they are stored (no Int64 turned into a number). */
const RAW = { promoteValues: false, promoteLongs: false } as const;

/** What the whole-document path answers (decode everything, then project and encode). */
function reference(filter: Document, projection?: Document, sort?: Document): string[] {
  const project = compileProjection(projection);
  const c = h.engine.collection('bytes', 'docs');
  return h.engine
    .query(c, filter, { sort })
    .map((hit) => (project ? serialize(project(hit.doc, hit.pos)) : hit.buf))
    .map((buf) => canonical(deserialize(buf, RAW)));
}

beforeAll(async () => {
  h = await startHarness();
  coll = h.client.db('bytes').collection('docs');
  await coll.insertMany(Array.from({ length: 300 }, (_, i) => randomDoc(i)));
  await coll.createIndex({ a: 1, b: 1 });
});
afterAll(() => h.close());

describe('reads from stored bytes', () => {
  it('pickFields copies the kept top-level fields of every BSON type, in order', () => {
    for (let i = 0; i < 200; i++) {
      const doc = randomDoc(i);
      const buf = serialize(doc);
      const keep = new Set(['_id', 'b', 'd', 'body', 'naïve'].filter(() => randomInt(2) === 1));
      const got = deserialize(pickFields(Buffer.from(buf), fieldPick(keep, true)), RAW);
      const want = Object.fromEntries(Object.entries(doc).filter(([k]) => keep.has(k)));
      expect(EJSON.stringify(got, { relaxed: false })).toBe(
        EJSON.stringify(deserialize(serialize(want), RAW), { relaxed: false }),
      );
    }
  });

  it('find and countDocuments answer as the whole-document path, over 400 random queries', async () => {
    for (let i = 0; i < 400; i++) {
      const filter = randomFilter();
      const projection = pick(PROJECTIONS);
      const sort = pick<Document | undefined>([
        undefined,
        { c: 1, _id: 1 },
        { 'a.x': -1, _id: 1 },
        { _id: -1 },
      ]);
      const got = (await coll.find(filter, { projection, sort, ...RAW }).toArray()).map(canonical);
      const want = reference(filter, projection, sort);
      expect({ filter, projection, sort, got }).toEqual({ filter, projection, sort, got: want });
      await expect(coll.countDocuments(filter)).resolves.toBe(want.length);
    }
  });
});
