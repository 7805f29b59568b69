import {
  BSONSymbol,
  Collection,
  Document,
  Double,
  Int32,
  Long,
  MongoServerError,
  ObjectId,
} from 'mongodb';
import { Harness, startHarness } from './harness';

let h: Harness;
let coll: Collection;
beforeAll(async () => {
  h = await startHarness();
  coll = h.client.db('query').collection('people');
  await coll.insertMany([
    {
      _id: 1 as never,
      name: 'Ann',
      age: 30,
      tags: ['a', 'b'],
      pets: [
        { kind: 'cat', age: 3 },
        { kind: 'dog', age: 9 },
      ],
      email: 'ann@example.org',
    },
    {
      _id: 2 as never,
      name: 'bob',
      age: 25,
      tags: ['b'],
      pets: [{ kind: 'dog', age: 2 }],
      nick: null,
    },
    { _id: 3 as never, name: 'Cid', age: 41, tags: [], pets: [], scores: [[1, 2], [3]] },
    { _id: 4 as never, name: 'Dee', age: '41', tags: ['c', 'a', 'b'] },
  ]);
});
afterAll(() => h.close());

const ids = async (filter: Document, opts: Document = {}): Promise<unknown[]> =>
  (await coll.find(filter, { ...opts, projection: { _id: 1 } }).toArray()).map((d) => d._id);

describe('query operators', () => {
  test.each<[string, Document, number[]]>([
    ['$eq', { age: { $eq: 30 } }, [1]],
    ['$ne (missing and other types match)', { age: { $ne: 30 } }, [2, 3, 4]],
    ['$gt stays within a type', { age: { $gt: 26 } }, [1, 3]],
    ['$gte/$lte', { age: { $gte: 25, $lte: 30 } }, [1, 2]],
    ['$in', { name: { $in: ['Ann', 'Cid', 'zz'] } }, [1, 3]],
    ['$nin', { name: { $nin: ['Ann', 'Cid'] } }, [2, 4]],
    ['$exists true', { nick: { $exists: true } }, [2]],
    ['$exists false', { email: { $exists: false } }, [2, 3, 4]],
    ['null matches null and missing', { nick: null }, [1, 2, 3, 4]],
    ['$regex with $options', { name: { $regex: '^a', $options: 'i' } }, [1]],
    ['regex value', { name: /^[a-c]/ }, [2]],
    ['$and', { $and: [{ tags: 'a' }, { tags: 'c' }] }, [4]],
    ['$or', { $or: [{ age: 25 }, { name: 'Dee' }] }, [2, 4]],
    ['$nor', { $nor: [{ age: 25 }, { name: 'Dee' }] }, [1, 3]],
    ['$not', { age: { $not: { $gt: 26 } } }, [2, 4]],
    ['array element equality', { tags: 'b' }, [1, 2, 4]],
    ['whole-array equality', { tags: ['b'] }, [2]],
    ['dotted path through array of documents', { 'pets.kind': 'dog' }, [1, 2]],
    ['array index path', { 'tags.0': 'c' }, [4]],
    ['$elemMatch on documents', { pets: { $elemMatch: { kind: 'dog', age: { $gt: 5 } } } }, [1]],
    [
      'without $elemMatch conditions may hit different elements',
      { 'pets.kind': 'cat', 'pets.age': 9 },
      [1],
    ],
    ['$elemMatch on values', { scores: { $elemMatch: { $size: 1 } } }, [3]],
    ['$size', { tags: { $size: 0 } }, [3]],
    ['$all', { tags: { $all: ['a', 'b'] } }, [1, 4]],
    ['$type string', { age: { $type: 'string' } }, [4]],
    ['$type number', { age: { $type: 'number' } }, [1, 2, 3]],
    ['$type array', { tags: { $type: 'array' } }, [1, 2, 3, 4]],
    ['$mod', { age: { $mod: [5, 0] } }, [1, 2]],
    ['$expr', { $expr: { $gt: ['$age', 35] } }, [3, 4]],
  ])('%s', async (_label, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });

  test('unsupported operators are refused clearly', async () => {
    for (const filter of [
      { $where: 'true' },
      { $text: { $search: 'x' } },
      { loc: { $near: [0, 0] } },
    ]) {
      const err = await coll
        .find(filter)
        .toArray()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoServerError);
      expect((err as MongoServerError).message).toMatch(/not supported/);
    }
  });
});

describe('find options', () => {
  test('sort, skip and limit', async () => {
    expect(await ids({}, { sort: { name: -1 }, skip: 1, limit: 2 })).toEqual([4, 3]);
    expect(await ids({ age: { $type: 'number' } }, { sort: { age: 1 } })).toEqual([2, 1, 3]);
  });

  test('sorting on an array field uses its smallest element ascending', async () => {
    expect(await ids({ tags: { $ne: [] } }, { sort: { tags: 1, _id: 1 } })).toEqual([1, 4, 2]);
  });

  test('inclusion and exclusion projections', async () => {
    const inc = await coll.findOne(
      { _id: 1 as never },
      { projection: { name: 1, 'pets.kind': 1 } },
    );
    expect(inc).toEqual({ _id: 1, name: 'Ann', pets: [{ kind: 'cat' }, { kind: 'dog' }] });
    const exc = await coll.findOne(
      { _id: 2 as never },
      { projection: { pets: 0, tags: 0, _id: 0 } },
    );
    expect(exc).toEqual({ name: 'bob', age: 25, nick: null });
    // Kept fields come in the document's order whatever the projection's order (as in MongoDB),
    // from stored bytes (top-level fields) and through the projector (paths) alike.
    const plain = await coll.findOne({ _id: 1 as never }, { projection: { email: 1, name: 1 } });
    expect(Object.keys(plain ?? {})).toEqual(['_id', 'name', 'email']);
    const paths = await coll.findOne(
      { _id: 1 as never },
      { projection: { email: 1, 'pets.kind': 1, name: 1 } },
    );
    expect(Object.keys(paths ?? {})).toEqual(['_id', 'name', 'pets', 'email']);
  });

  test('$slice, $elemMatch and positional projections', async () => {
    const sliced = await coll.findOne(
      { _id: 4 as never },
      { projection: { tags: { $slice: 2 }, name: 1 } },
    );
    expect(sliced).toEqual({ _id: 4, name: 'Dee', tags: ['c', 'a'] });
    const em = await coll.findOne(
      { _id: 1 as never },
      { projection: { pets: { $elemMatch: { kind: 'dog' } } } },
    );
    expect(em).toEqual({ _id: 1, pets: [{ kind: 'dog', age: 9 }] });
    const pos = await coll.findOne(
      { 'pets.kind': 'dog', _id: 1 as never },
      { projection: { 'pets.$': 1 } },
    );
    expect(pos).toEqual({ _id: 1, pets: [{ kind: 'dog', age: 9 }] });
  });

  test('{ _id: 1 } alone returns only _id; expressions and literals compute fields', async () => {
    expect(await coll.findOne({ _id: 2 as never }, { projection: { _id: 1 } })).toEqual({ _id: 2 });
    const computed = await coll.findOne(
      { _id: 2 as never },
      {
        projection: {
          _id: 0,
          who: '$name',
          kind: { $literal: 'person' },
          older: { $add: ['$age', 1] },
        },
      },
    );
    expect(computed).toEqual({ who: 'bob', kind: 'person', older: 26 });
  });

  test('mixing inclusion and exclusion is an error', async () => {
    const err = await coll
      .findOne({}, { projection: { name: 1, age: 0 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
  });

  test('count, countDocuments, estimatedDocumentCount and distinct', async () => {
    expect(await coll.countDocuments({ tags: 'a' })).toBe(2);
    expect(await coll.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect(await coll.estimatedDocumentCount()).toBe(4);
    expect((await coll.distinct('tags')).sort()).toEqual(['a', 'b', 'c']);
    expect(await coll.distinct('pets.kind', { age: { $gte: 25 } })).toEqual(['cat', 'dog']);
  });
});

describe('natural order and collation', () => {
  test('$natural sorts by insertion order, either direction', async () => {
    expect(await ids({}, { sort: { $natural: 1 } })).toEqual([1, 2, 3, 4]);
    expect(await ids({}, { sort: { $natural: -1 }, limit: 2 })).toEqual([4, 3]);
  });

  test('a non-simple collation is refused rather than ignored', async () => {
    const err = (await coll
      .find({ name: 'ann' }, { collation: { locale: 'en', strength: 2 } })
      .toArray()
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err.message).toMatch(/collation .* not supported/i);
    expect(await ids({ name: 'Ann' }, { collation: { locale: 'simple' } })).toEqual([1]);
  });
});

describe('$in and $nin over values of every kind', () => {
  // Strings and ObjectIds are looked up in a set, everything else is compared one by one: both
  // must answer as a list of plain equalities would ({ f: q } for each q, a regex as a pattern).
  const oid = (n: number) => new ObjectId(n.toString(16).padStart(24, '0'));
  const values: unknown[] = [
    'a',
    'b',
    '',
    'A',
    new BSONSymbol('a'),
    oid(1),
    oid(2),
    1,
    1.0,
    new Int32(2),
    Long.fromNumber(2),
    new Double(3.5),
    null,
    true,
    new Date(0),
    ['a', oid(1)],
    [],
    { x: 'a' },
    /^b/,
  ];
  let kinds: Collection;
  beforeAll(async () => {
    kinds = h.client.db('query').collection('kinds');
    await kinds.insertMany([
      ...values.map((f, i) => ({ _id: i as never, f })),
      { _id: 100 as never }, // no f at all
      { _id: 101 as never, f: [[oid(2)], 'zz'] },
    ]);
  });
  const idsOf = async (filter: Document) =>
    (await kinds.find(filter, { projection: { _id: 1 } }).toArray())
      .map((d) => Number(d._id))
      .sort((x, y) => x - y);

  const lists: unknown[][] = [
    ['a', oid(1)],
    ['A', 'b', oid(2), 'missing', oid(9)],
    [new BSONSymbol('b'), 2],
    [null, 'zz'],
    [/^a/i, oid(2)],
    [1, true, new Date(0)],
    [['a', oid(1)], { x: 'a' }, []],
    [[oid(2)], 3.5],
    Array.from({ length: 600 }, (_, i) => (i % 2 ? oid(i) : `s${i}`)).concat(['b']),
  ];
  test.each(lists.map((l, i) => [i, l] as const))('list %i', async (_i, list) => {
    const same = await idsOf({ $or: list.map((q) => ({ f: q })) });
    expect(await idsOf({ f: { $in: list } })).toEqual(same);
    const all = await idsOf({});
    expect(await idsOf({ f: { $nin: list } })).toEqual(all.filter((id) => !same.includes(id)));
  });
});
