import net from 'node:net';
import { serialize } from 'bson';
import { Long, MongoServerError } from 'mongodb';
import { Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** Sends raw bytes and resolves with whether the server closed the connection. */
function sendRaw(port: number, bytes: Buffer): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve('open');
    }, 500);
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    s.on('error', () => undefined);
  });
}

function opMsg(body: Buffer, opCode = 2013): Buffer {
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

describe('wire protocol', () => {
  test('the driver connects and pings', async () => {
    const res = await h.client.db('admin').command({ ping: 1 });
    expect(res.ok).toBe(1);
  });

  test('hello reports a standalone server without topologyVersion or setName', async () => {
    const res = await h.client.db('admin').command({ hello: 1 });
    expect(res.isWritablePrimary).toBe(true);
    expect(res.maxWireVersion).toBeGreaterThanOrEqual(9);
    expect(res.logicalSessionTimeoutMinutes).toBe(30);
    expect(res.topologyVersion).toBeUndefined();
    expect(res.setName).toBeUndefined();
    expect(res.compression).toBeUndefined();
  });

  test('an unknown command fails with CommandNotFound (59)', async () => {
    const err = await h.client
      .db('test')
      .command({ frobnicate: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(59);
    expect((err as MongoServerError).codeName).toBe('CommandNotFound');
    expect((err as MongoServerError).message).toBe("no such command: 'frobnicate'");
  });

  test('transactions are refused with IllegalOperation (20)', async () => {
    const db = h.client.db('test');
    const raw = await db
      .command({
        insert: 'tx',
        documents: [{ a: 1 }],
        txnNumber: Long.fromNumber(1),
        startTransaction: true,
        autocommit: false,
      })
      .catch((e: unknown) => e);
    expect((raw as MongoServerError).code).toBe(20);
    expect((raw as MongoServerError).codeName).toBe('IllegalOperation');
    expect((raw as MongoServerError).message).toBe(
      'Transaction numbers are only allowed on a replica set member or mongos',
    );
    // Through a driver session, as against a real standalone mongod: the driver wraps code 20.
    const session = h.client.startSession();
    session.startTransaction();
    const err = await db
      .collection('tx')
      .insertOne({ a: 1 }, { session })
      .catch((e: unknown) => e);
    await session.endSession();
    const original = (err as { originalError?: MongoServerError }).originalError;
    expect(original?.code).toBe(20);
    expect(await db.collection('tx').countDocuments()).toBe(0);
  });

  test('cursors hand out every document across getMore batches', async () => {
    const coll = h.client.db('test').collection('cursor');
    await coll.insertMany(Array.from({ length: 25 }, (_, i) => ({ i })));
    const cursor = coll.find({}, { batchSize: 4 }).sort({ i: 1 });
    const seen: number[] = [];
    for await (const d of cursor) seen.push(d.i as number);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(h.engine.stats().openCursors).toBe(0);
  });

  test('cursor ids are Longs and killCursors frees them', async () => {
    const db = h.client.db('test');
    await db.collection('kc').insertMany(Array.from({ length: 10 }, (_, i) => ({ i })));
    const res = await db.command({ find: 'kc', batchSize: 2 });
    expect(res.cursor.firstBatch).toHaveLength(2);
    const id = res.cursor.id as Long;
    expect(Long.isLong(id) || typeof id === 'number').toBe(true);
    const killed = await db.command({ killCursors: 'kc', cursors: [id] });
    expect(killed.cursorsKilled).toHaveLength(1);
    const err = await db.command({ getMore: id, collection: 'kc' }).catch((e: unknown) => e);
    expect((err as MongoServerError).code).toBe(43);
  });

  test('w:0 writes (moreToCome) get no reply and still apply', async () => {
    const coll = h.client.db('test').collection('w0');
    await coll.insertOne({ x: 1 }, { writeConcern: { w: 0 } });
    await new Promise((r) => setTimeout(r, 50));
    expect(await coll.countDocuments({ x: 1 })).toBe(1);
  });

  test.each([
    ['a bad length', Buffer.from([3, 0, 0, 0, 1, 2, 3, 4])],
    [
      'an oversized length',
      (() => {
        const b = Buffer.alloc(16);
        b.writeInt32LE(48_000_001, 0);
        return b;
      })(),
    ],
    ['garbage BSON', opMsg(Buffer.from('ffffffffgarbagegarbage', 'utf8'))],
    ['an unknown opcode', opMsg(Buffer.from(serialize({ ping: 1, $db: 'admin' })), 9999)],
  ])('%s closes only that connection', async (_label, bytes) => {
    expect(await sendRaw(h.port, bytes)).toBe('closed');
    expect(h.events.some((e) => e.event === 'wire_malformed_message')).toBe(true);
    const res = await h.client.db('admin').command({ ping: 1 });
    expect(res.ok).toBe(1);
  });

  test('a message split into many small chunks is reassembled', async () => {
    const body = Buffer.from(serialize({ ping: 1, $db: 'admin' }));
    const msg = opMsg(body);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(h.port, '127.0.0.1', async () => {
        for (let i = 0; i < msg.length; i++) {
          s.write(msg.subarray(i, i + 1));
          await new Promise((r) => setImmediate(r));
        }
      });
      s.setNoDelay(true);
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d);
      });
      s.on('error', reject);
    });
    expect(reply.readInt32LE(12)).toBe(2013);
  });

  test('a large insert (many MB in one message) round-trips', async () => {
    const coll = h.client.db('test').collection('large');
    const docs = Array.from({ length: 40 }, (_, i) => ({ i, blob: 'x'.repeat(1_000_000) }));
    const res = await coll.insertMany(docs);
    expect(res.insertedCount).toBe(40);
    const back = await coll.find({}, { projection: { i: 1 } }).toArray();
    expect(back).toHaveLength(40);
    const all = await coll.find({}).toArray();
    expect(all.every((d) => d.blob.length === 1_000_000)).toBe(true);
  });

  test('a well-formed raw OP_MSG is answered on the same socket', async () => {
    const body = Buffer.from(serialize({ ping: 1, $db: 'admin' }));
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(h.port, '127.0.0.1', () => s.write(opMsg(body)));
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d);
      });
      s.on('error', reject);
    });
    expect(reply.readInt32LE(12)).toBe(2013);
    expect(reply.readInt32LE(8)).toBe(1); // responseTo our requestID
    expect(reply.readUInt32LE(16)).toBe(0); // no checksum flag
  });
});
