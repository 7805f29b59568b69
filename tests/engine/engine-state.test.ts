/** Engine-level behaviour the storage layer relies on: commit before reply, apply/dump. */
import { Int32, ObjectId, serialize } from 'bson';
import { Engine } from '../../server/database/embedded/core/engine';
import { memoryDurable } from '../../server/database/embedded/storage/memory';
import { Durable, JournalOp } from '../../server/database/embedded/storage/types';

function slowDurable(): Durable & { release(): void; pending: number } {
  const waiting: Array<() => void> = [];
  return {
    get pending() {
      return waiting.length;
    },
    commit: () => new Promise<void>((resolve) => waiting.push(resolve)),
    compact: () => Promise.resolve(),
    close: () => Promise.resolve(),
    release() {
      for (const w of waiting.splice(0)) w();
    },
  };
}

test('a write is visible in memory at once but not acknowledged before the commit resolves', async () => {
  const durable = slowDurable();
  const engine = new Engine({ durable });
  let replied = false;
  const reply = engine.runCommand('db', { insert: 'c', documents: [{ _id: 1 }] }).then((r) => {
    replied = true;
    return r;
  });
  await new Promise((r) => setImmediate(r));
  expect(durable.pending).toBe(1);
  expect(replied).toBe(false);
  expect(engine.collection('db', 'c')?.docs.size).toBe(1);
  durable.release();
  expect(await reply).toMatchObject({ n: new Int32(1) });
});

test('dump() replayed through apply() rebuilds the same state, indexes included', async () => {
  const engine = new Engine({ durable: memoryDurable() });
  await engine.runCommand('db', {
    createIndexes: 'c',
    indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
  });
  await engine.runCommand('db', {
    insert: 'c',
    documents: [
      { _id: new ObjectId(), email: 'a', n: new Int32(1) },
      { _id: 2, email: 'b' },
    ],
  });
  await engine.runCommand('db', { delete: 'c', deletes: [{ q: { _id: 2 }, limit: 1 }] });
  const ops: JournalOp[] = [...engine.dump()];
  const copy = new Engine({ durable: memoryDurable() });
  for (const op of ops) copy.apply(op);
  const a = engine.collection('db', 'c');
  const b = copy.collection('db', 'c');
  expect([...(b?.docs.values() ?? [])]).toEqual([...(a?.docs.values() ?? [])]);
  const specs = (e: Engine) =>
    (e.collection('db', 'c')?.indexSpecs() ?? []).map((s) => serialize(s));
  expect(specs(copy)).toEqual(specs(engine));
  // The rebuilt unique index is enforced.
  const dup = await copy.runCommand('db', { insert: 'c', documents: [{ email: 'a' }] });
  expect(dup).toMatchObject({ writeErrors: [{ code: 11000 }] });
});

test('journal ops replay deletes, drops and renames', () => {
  const engine = new Engine({ durable: memoryDurable() });
  const doc = Buffer.from(serialize({ _id: 1, a: 1 }));
  engine.apply({ op: 'createCollection', db: 'd', coll: 'x', options: Buffer.from(serialize({})) });
  engine.apply({ op: 'put', db: 'd', coll: 'x', doc });
  engine.apply({ op: 'put', db: 'd', coll: 'x', doc: Buffer.from(serialize({ _id: 2 })) });
  engine.apply({ op: 'delete', db: 'd', coll: 'x', id: Buffer.from(serialize({ _id: 2 })) });
  engine.apply({ op: 'renameCollection', db: 'd', from: 'x', toDb: 'd', to: 'y' });
  expect(engine.collection('d', 'x')).toBeUndefined();
  expect([...(engine.collection('d', 'y')?.docs.values() ?? [])]).toEqual([doc]);
  engine.apply({ op: 'dropDatabase', db: 'd' });
  expect(engine.dbs.size).toBe(0);
});
