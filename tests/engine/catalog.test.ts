import { Document, MongoServerError } from 'mongodb';
import MongoStore from 'connect-mongo';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import { Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('catalog commands', () => {
  test('create, listCollections (filter, nameOnly), renameCollection, drop', async () => {
    const db = h.client.db('cat');
    await db.createCollection('alpha');
    const dup = (await db.createCollection('alpha').catch((e: unknown) => e)) as MongoServerError;
    expect(dup.code).toBe(48);
    await db.collection('beta').insertOne({ x: 1 });
    const all = await db.listCollections().toArray();
    expect(all.map((c) => c.name).sort()).toEqual(['alpha', 'beta']);
    expect(all[0]).toMatchObject({ type: 'collection', options: {} });
    const filtered = await db.listCollections({ name: 'beta' }, { nameOnly: true }).toArray();
    expect(filtered).toEqual([{ name: 'beta', type: 'collection' }]);
    await db.collection('beta').createIndex({ x: 1 });
    await db.renameCollection('beta', 'gamma');
    expect(await db.collection('gamma').findOne({}, { projection: { _id: 0 } })).toEqual({ x: 1 });
    expect((await db.collection('gamma').indexes()).map((i) => i.name)).toEqual(['_id_', 'x_1']);
    expect(await db.collection('beta').countDocuments()).toBe(0);
    expect(await db.dropCollection('gamma')).toBe(true);
    expect((await db.listCollections().toArray()).map((c) => c.name)).toEqual(['alpha']);
  });

  test('collection options that would change behaviour are refused, not ignored', async () => {
    const db = h.client.db('cat');
    for (const options of [
      { validator: { a: { $type: 'string' } } },
      { capped: true, size: 1024 },
    ]) {
      const err = (await db
        .createCollection(`opt${Object.keys(options)[0]}`, options)
        .catch((e: unknown) => e)) as MongoServerError;
      expect(err.message).toMatch(/not supported/);
    }
  });

  test('listDatabases and dropDatabase', async () => {
    await h.client.db('cat2').collection('c').insertOne({ a: 1 });
    const { databases } = await h.client.db('admin').admin().listDatabases();
    expect(databases.map((d) => d.name)).toEqual(expect.arrayContaining(['cat2']));
    await h.client.db('cat2').dropDatabase();
    const after = await h.client.db('admin').admin().listDatabases({ nameOnly: true });
    expect(after.databases.map((d) => d.name)).not.toContain('cat2');
  });

  test('dbStats, collStats, buildInfo, serverStatus counters', async () => {
    const db = h.client.db('cat3');
    await db.collection('c').insertMany([{ a: 1 }, { a: 2 }]);
    const stats = await db.stats();
    expect(stats).toMatchObject({ db: 'cat3', collections: 1, objects: 2, indexes: 1 });
    expect(stats.dataSize).toBeGreaterThan(0);
    const coll = await db.command({ collStats: 'c' });
    expect(coll).toMatchObject({ ns: 'cat3.c', count: 2, nindexes: 1 });
    const missing = (await db
      .command({ collStats: 'nope' })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(missing.code).toBe(26);
    const info = await db.admin().buildInfo();
    expect(info.versionArray[0]).toBeGreaterThanOrEqual(6);
    const status = (await db.admin().serverStatus()) as Document;
    expect(status.engineStats).toMatchObject({
      collectionScans: expect.any(Number),
      indexScans: expect.any(Number),
    });
  });

  test('serverStatus opcounters count operations as mongod does', async () => {
    const db = h.client.db('cat4');
    const counters = async () =>
      ((await db.admin().serverStatus()) as Document).opcounters as Record<string, number>;
    const before = await counters();
    const c = db.collection('c');
    await c.insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    await c.find({ a: { $gt: 0 } }, { batchSize: 1 }).toArray();
    await c.updateOne({ a: 1 }, { $set: { b: 1 } });
    await c.deleteMany({ a: 3 });
    await c.countDocuments({});
    const after = await counters();
    const diff = Object.fromEntries(
      Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]),
    );
    // The serverStatus that read `before` is counted as a command too.
    expect(diff).toEqual({ insert: 3, query: 1, update: 1, delete: 1, getmore: 2, command: 2 });
  });

  test('upserts do not store regex conditions as values', async () => {
    const coll = h.client.db('cat').collection('up');
    await coll.updateOne({ name: /^a/, kind: 'k' }, { $set: { v: 1 } }, { upsert: true });
    expect(await coll.findOne({}, { projection: { _id: 0 } })).toEqual({ kind: 'k', v: 1 });
  });
});

describe('connect-mongo session store', () => {
  test('set, get, touch and destroy a session, with its TTL index', async () => {
    const store = MongoStore.create({ client: h.client, dbName: 'sessions_db', stringify: false });
    const call = <T>(fn: (cb: (err: unknown, v?: T) => void) => void) =>
      new Promise<T | undefined>((resolve, reject) =>
        fn((err, v) => (err ? reject(err) : resolve(v))),
      );
    const session = {
      cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) },
      userId: 'u1',
    };
    await call((cb) => store.set('sid-1', session as never, cb));
    const got = (await call<unknown>((cb) => store.get('sid-1', cb))) as { userId?: string } | null;
    expect(got?.userId).toBe('u1');
    await call((cb) => store.touch('sid-1', session as never, cb));
    await call((cb) => store.destroy('sid-1', cb));
    expect(await call<unknown>((cb) => store.get('sid-1', cb))).toBeFalsy();
    const indexes = await h.client.db('sessions_db').collection('sessions').indexes();
    expect(indexes.find((i) => i.key.expires === 1)?.expireAfterSeconds).toBe(0);
  });
});

describe('rate-limiter-flexible Mongo store', () => {
  test('counts points per key and rejects past the limit', async () => {
    const limiter = new RateLimiterMongo({
      storeClient: h.client,
      dbName: 'limits',
      points: 2,
      duration: 60,
    });
    const first = await limiter.consume('ip-1');
    expect(first.remainingPoints).toBe(1);
    await limiter.consume('ip-1');
    const rejected = await limiter.consume('ip-1').catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(RateLimiterRes);
    expect((rejected as RateLimiterRes).consumedPoints).toBe(3);
    expect((await limiter.consume('ip-2')).remainingPoints).toBe(1);
  });
});
