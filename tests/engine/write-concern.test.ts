import { MongoClient } from 'mongodb';
import { Engine } from '../../server/database/embedded/core/engine';
import type { Durable, JournalOp } from '../../server/database/embedded/storage/types';
import { startWireServer } from '../../server/database/embedded/wire/server';

/**
 * `writeConcern: { j: false }` (or `w: 0`) is acknowledged once applied, without waiting for the
 * journal; every other write waits for it. A journal that holds its fsync shows the difference.
 */
it('answers j:false writes before the journal is synced, and holds the others until it is', async () => {
  const held: Array<() => void> = [];
  const journaled: JournalOp[][] = [];
  const durable = {
    commit(ops: JournalOp[]) {
      journaled.push(ops);
      return new Promise<void>((resolve) => held.push(resolve));
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } as unknown as Durable;
  const engine = new Engine({ durable });
  const server = await startWireServer(engine, { host: '127.0.0.1', port: 0, log: () => {} });
  const client = new MongoClient(`mongodb://127.0.0.1:${server.port}`);
  try {
    await client.connect();
    const db = client.db('wc');
    // Collection creation is journaled (and held) too: create both first, then release.
    const creating = Promise.all([db.createCollection('fast'), db.createCollection('safe')]);
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    held.splice(0).forEach((release) => release());
    await creating;

    const fast = db.collection('fast', { writeConcern: { w: 1, j: false } });
    const before = journaled.length;
    await fast.insertOne({ n: 1 });
    await fast.findOneAndUpdate({ n: 1 }, { $inc: { n: 1 } });
    expect(journaled.length).toBe(before + 2); // in the journal's order all the same
    expect(await fast.findOne({})).toMatchObject({ n: 2 });

    let answered = false;
    const safe = db
      .collection('safe')
      .insertOne({ text: 'waits' })
      .then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    held.splice(0).forEach((release) => release());
    await safe;
    expect(answered).toBe(true);
  } finally {
    held.splice(0).forEach((release) => release());
    await client.close();
    engine.stop();
    await server.close();
  }
});
