import { Collection, Decimal128, Document, Int32, MongoServerError } from 'mongodb';
import { Harness, startHarness } from './harness';

let h: Harness;
let orders: Collection<Document>;
beforeAll(async () => {
  h = await startHarness();
  const db = h.client.db('agg');
  orders = db.collection('orders');
  await orders.insertMany([
    {
      _id: 1 as never,
      user: 'u1',
      total: 10,
      items: ['a', 'b'],
      at: new Date('2026-03-01T10:00:00Z'),
      status: 'paid',
    },
    {
      _id: 2 as never,
      user: 'u1',
      total: 5.5,
      items: ['a'],
      at: new Date('2026-03-02T11:30:00Z'),
      status: 'open',
    },
    {
      _id: 3 as never,
      user: 'u2',
      total: 20,
      items: [],
      at: new Date('2026-04-05T09:00:00Z'),
      status: 'paid',
    },
    {
      _id: 4 as never,
      user: 'u3',
      total: new Int32(1),
      at: new Date('2026-04-06T00:00:00Z'),
      status: 'paid',
    },
  ]);
  await db.collection('users').insertMany([
    { _id: 'u1' as never, name: 'Ann' },
    { _id: 'u2' as never, name: 'Bo' },
  ]);
});
afterAll(() => h.close());

const run = (pipeline: Document[]) => orders.aggregate(pipeline).toArray();

describe('aggregation stages', () => {
  test('$match + $group with accumulators + $sort', async () => {
    const out = await run([
      { $match: { status: 'paid' } },
      {
        $group: {
          _id: '$user',
          sum: { $sum: '$total' },
          avg: { $avg: '$total' },
          min: { $min: '$total' },
          max: { $max: '$total' },
          first: { $first: '$_id' },
          last: { $last: '$_id' },
          all: { $push: '$_id' },
          items: { $addToSet: { $size: { $ifNull: ['$items', []] } } },
          n: { $count: {} },
        },
      },
      { $sort: { _id: 1 } },
    ]);
    expect(out).toEqual([
      {
        _id: 'u1',
        sum: 10,
        avg: 10,
        min: 10,
        max: 10,
        first: 1,
        last: 1,
        all: [1],
        items: [2],
        n: 1,
      },
      {
        _id: 'u2',
        sum: 20,
        avg: 20,
        min: 20,
        max: 20,
        first: 3,
        last: 3,
        all: [3],
        items: [0],
        n: 1,
      },
      { _id: 'u3', sum: 1, avg: 1, min: 1, max: 1, first: 4, last: 4, all: [4], items: [0], n: 1 },
    ]);
  });

  test('countDocuments-style $group keeps Int32 counts', async () => {
    const [row] = await orders
      .aggregate([{ $match: {} }, { $group: { _id: 1, n: { $sum: 1 } } }], { promoteValues: false })
      .toArray();
    expect(row?.n).toEqual(new Int32(4));
  });

  test('$project, $addFields/$set, $unset, $skip, $limit, $count', async () => {
    const out = await run([
      { $sort: { _id: 1 } },
      { $project: { user: 1, doubled: { $multiply: ['$total', 2] }, month: { $month: '$at' } } },
      { $addFields: { label: { $concat: ['$user', '-', { $toString: '$month' }] } } },
      { $set: { big: { $gte: ['$doubled', 20] } } },
      { $unset: 'month' },
      { $skip: 1 },
      { $limit: 2 },
    ]);
    expect(out).toEqual([
      { _id: 2, user: 'u1', doubled: 11, label: 'u1-3', big: false },
      { _id: 3, user: 'u2', doubled: 40, label: 'u2-4', big: true },
    ]);
    expect(await run([{ $match: { status: 'paid' } }, { $count: 'paid' }])).toEqual([{ paid: 3 }]);
  });

  test('nested projection documents mean dotted paths', async () => {
    const coll = h.client.db('agg').collection('nested');
    await coll.insertOne({ _id: 1 as never, a: { b: 1, c: 2 }, d: 3 });
    expect(await coll.aggregate([{ $project: { a: { b: 1 } } }]).toArray()).toEqual([
      { _id: 1, a: { b: 1 } },
    ]);
    expect(await coll.findOne({}, { projection: { a: { c: 0 }, d: 0 } })).toEqual({
      _id: 1,
      a: { b: 1 },
    });
  });

  test('$unwind with includeArrayIndex and preserveNullAndEmptyArrays', async () => {
    const plain = await run([{ $unwind: '$items' }, { $project: { items: 1 } }]);
    expect(plain).toEqual([
      { _id: 1, items: 'a' },
      { _id: 1, items: 'b' },
      { _id: 2, items: 'a' },
    ]);
    const kept = await run([
      { $unwind: { path: '$items', includeArrayIndex: 'i', preserveNullAndEmptyArrays: true } },
      { $project: { items: 1, i: 1 } },
    ]);
    expect(kept).toEqual([
      { _id: 1, items: 'a', i: 0 },
      { _id: 1, items: 'b', i: 1 },
      { _id: 2, items: 'a', i: 0 },
      { _id: 3, i: null },
      { _id: 4, i: null },
    ]);
  });

  test('$lookup with localField/foreignField and with pipeline + let', async () => {
    const joined = await run([
      { $match: { _id: { $in: [1, 4] } } },
      { $lookup: { from: 'users', localField: 'user', foreignField: '_id', as: 'u' } },
      { $project: { u: 1 } },
    ]);
    expect(joined).toEqual([
      { _id: 1, u: [{ _id: 'u1', name: 'Ann' }] },
      { _id: 4, u: [] },
    ]);
    const piped = await run([
      { $match: { _id: 3 } },
      {
        $lookup: {
          from: 'users',
          let: { who: '$user' },
          pipeline: [
            { $match: { $expr: { $eq: ['$_id', '$$who'] } } },
            { $project: { _id: 0, name: 1 } },
          ],
          as: 'u',
        },
      },
      { $project: { u: 1 } },
    ]);
    expect(piped).toEqual([{ _id: 3, u: [{ name: 'Bo' }] }]);
  });

  test('$facet, $replaceRoot/$replaceWith and $sortByCount', async () => {
    const [facets] = await run([
      {
        $facet: {
          byStatus: [{ $sortByCount: '$status' }],
          total: [{ $group: { _id: null, t: { $sum: '$total' } } }, { $replaceWith: { t: '$t' } }],
        },
      },
    ]);
    expect(facets).toEqual({
      byStatus: [
        { _id: 'paid', count: 3 },
        { _id: 'open', count: 1 },
      ],
      total: [{ t: 36.5 }],
    });
    const roots = await run([
      { $match: { _id: 1 } },
      { $replaceRoot: { newRoot: { u: '$user' } } },
    ]);
    expect(roots).toEqual([{ u: 'u1' }]);
  });

  test('unsupported stages and change streams are refused clearly', async () => {
    const out = (await run([{ $out: 'x' }]).catch((e: unknown) => e)) as MongoServerError;
    expect(out.message).toMatch(/not supported/);
    const cs = (await orders
      .aggregate([{ $changeStream: {} }])
      .toArray()
      .catch((e: unknown) => e)) as MongoServerError;
    expect(cs.message).toMatch(/only supported on replica sets/);
    const mr = (await h.client
      .db('agg')
      .command({ mapReduce: 'orders' })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(mr.message).toMatch(/not supported/);
    const fn = (await run([
      { $project: { x: { $function: { body: 'x', args: [], lang: 'js' } } } },
    ]).catch((e: unknown) => e)) as MongoServerError;
    expect(fn.message).toMatch(/not supported/);
  });
});

describe('expression operators', () => {
  test('arithmetic, comparison, logic, conditionals, strings, dates and arrays', async () => {
    const [r] = await run([
      { $match: { _id: 1 } },
      {
        $project: {
          _id: 0,
          add: { $add: ['$total', 1] },
          sub: { $subtract: ['$total', 3] },
          div: { $divide: ['$total', 4] },
          eq: { $eq: ['$status', 'paid'] },
          ne: { $ne: ['$status', 'paid'] },
          lt: { $lt: ['$total', 11] },
          and: { $and: [true, { $gt: ['$total', 1] }] },
          or: { $or: [false, false] },
          not: { $not: [false] },
          cond: { $cond: { if: { $gte: ['$total', 10] }, then: 'big', else: 'small' } },
          condArr: { $cond: [false, 1, 2] },
          ifNull: { $ifNull: ['$missing', 'default'] },
          inArr: { $in: ['a', '$items'] },
          size: { $size: '$items' },
          day: { $dateToString: { format: '%Y-%m-%d %H:%M', date: '$at' } },
          parts: [
            { $year: '$at' },
            { $dayOfMonth: '$at' },
            { $hour: '$at' },
            { $dayOfWeek: '$at' },
          ],
          elem: { $arrayElemAt: ['$items', -1] },
          filtered: { $filter: { input: '$items', as: 'it', cond: { $ne: ['$$it', 'a'] } } },
          mapped: { $map: { input: '$items', in: { $concat: ['$$this', '!'] } } },
          first: { $first: '$items' },
          last: { $last: '$items' },
          lit: { $literal: '$notAField' },
          maxArr: { $max: [1, 5, 3] },
          minArr: { $min: [4, 2] },
          sumArr: { $sum: [1, 2, 3] },
          avgArr: { $avg: [1, 2] },
          str: { $toString: '$total' },
        },
      },
    ]);
    expect(r).toEqual({
      add: 11,
      sub: 7,
      div: 2.5,
      eq: true,
      ne: false,
      lt: true,
      and: true,
      or: false,
      not: true,
      cond: 'big',
      condArr: 2,
      ifNull: 'default',
      inArr: true,
      size: 2,
      day: '2026-03-01 10:00',
      parts: [2026, 1, 10, 1],
      elem: 'b',
      filtered: ['b'],
      mapped: ['a!', 'b!'],
      first: 'a',
      last: 'b',
      lit: '$notAField',
      maxArr: 5,
      minArr: 2,
      sumArr: 6,
      avgArr: 1.5,
      str: '10',
    });
  });

  test('$sum over Decimal128 stays Decimal128', async () => {
    const coll = h.client.db('agg').collection('money');
    await coll.insertMany([
      { v: Decimal128.fromString('1.10') },
      { v: Decimal128.fromString('2.20') },
    ]);
    const [r] = await coll.aggregate([{ $group: { _id: null, s: { $sum: '$v' } } }]).toArray();
    expect(r?.s).toBeInstanceOf(Decimal128);
    expect(Number((r?.s as Decimal128).toString())).toBeCloseTo(3.3);
  });
});
