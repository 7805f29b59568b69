import { mkdtemp, open, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openDurable,
  StorageCorruptError,
  type JournalDurable,
  type JournalOptions,
} from '../../server/database/embedded/storage/journal';
import { del, put, StateModel } from './helpers/state-model';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harbour-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openInto(
  model: StateModel,
  extra: Partial<JournalOptions> = {},
): Promise<JournalDurable> {
  return openDurable({ dir, apply: (op) => model.apply(op), ...extra });
}

/** Reopens the directory into a fresh model, as a restarted engine would. */
async function recovered(): Promise<StateModel> {
  const model = new StateModel();
  const store = await openInto(model);
  await store.close();
  return model;
}

async function overwrite(path: string, position: number, bytes: Buffer): Promise<void> {
  const fh = await open(path, 'r+');
  await fh.write(bytes, 0, bytes.length, position);
  await fh.close();
}

async function segmentPath(): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.startsWith('journal-')).sort();
  return join(dir, names.at(-1) as string);
}

describe('journal', () => {
  it('recovers every committed write after a restart, in order', async () => {
    const model = new StateModel();
    const store = await openInto(model);
    await store.commit(model.write([put('posts', { _id: 1, body: 'a' })]));
    await store.commit(
      model.write([put('posts', { _id: 2, body: 'b' }), put('posts', { _id: 1, body: 'a2' })]),
    );
    await store.commit(model.write([del('posts', 2), put('users', { _id: 'u1', n: 1 }, 'other')]));
    await store.close();

    const again = await recovered();
    expect(again.snapshot()).toEqual(model.snapshot());
    expect(Object.values(again.snapshot()['app.posts'] ?? {})).toEqual([{ _id: 1, body: 'a2' }]);
  });

  it.each([
    ['cut short (an appended file)', 'truncate'],
    ['ending in zeros (preallocated space)', 'zero'],
  ])('drops a torn last record %s entirely and keeps writing after it', async (_, how) => {
    const model = new StateModel();
    const store = await openInto(model);
    await store.commit(model.write([put('posts', { _id: 1 })]));
    const goodEnd = store.stats().journalBytes;
    // One record with two documents: after a crash both or neither must be there.
    await store.commit([put('posts', { _id: 2, x: 'y'.repeat(100) }), put('posts', { _id: 3 })]);
    const dataEnd = store.stats().journalBytes;
    await store.close();
    if (how === 'truncate') await truncate(await segmentPath(), dataEnd - 7);
    else await overwrite(await segmentPath(), dataEnd - 7, Buffer.alloc(7));

    const again = new StateModel();
    const reopened = await openInto(again);
    expect(Object.values(again.snapshot()['app.posts'] ?? {})).toEqual([{ _id: 1 }]);
    expect(reopened.stats().journalBytes).toBe(goodEnd);
    await reopened.commit(again.write([put('posts', { _id: 4 })]));
    await reopened.close();

    expect(Object.values((await recovered()).snapshot()['app.posts'] ?? {})).toEqual([
      { _id: 1 },
      { _id: 4 },
    ]);
  });

  it('drops a last record whose checksum does not match', async () => {
    const model = new StateModel();
    const store = await openInto(model);
    await store.commit(model.write([put('posts', { _id: 1 })]));
    await store.commit([put('posts', { _id: 2, body: 'hello' })]);
    const dataEnd = store.stats().journalBytes;
    await store.close();
    await overwrite(await segmentPath(), dataEnd - 3, Buffer.from('X')); // inside the last document

    expect(Object.values((await recovered()).snapshot()['app.posts'] ?? {})).toEqual([{ _id: 1 }]);
  });

  it('keeps every commit when the journal grows past its preallocated space', async () => {
    const model = new StateModel();
    const store = await openInto(model, { preallocateBytes: 4096 });
    for (let i = 0; i < 100; i++) {
      await store.commit(model.write([put('posts', { _id: i, body: 'z'.repeat(200) })]));
    }
    await store.close();
    expect((await recovered()).snapshot()).toEqual(model.snapshot());
  });

  it('treats zeros after the last record as free space, not damage', async () => {
    const model = new StateModel();
    const store = await openInto(model);
    await store.commit(model.write([put('posts', { _id: 1 })]));
    await store.close();
    const fh = await open(await segmentPath(), 'a');
    await fh.write(Buffer.alloc(4096));
    await fh.close();

    expect((await recovered()).snapshot()).toEqual(model.snapshot());
  });

  it('refuses to start when an older segment is damaged, naming the file', async () => {
    const model = new StateModel();
    const store = await openInto(model);
    await store.commit(model.write([put('posts', { _id: 1, body: 'first' })]));
    const first = await segmentPath();
    await store.compact(() => []); // switches to a new segment; the snapshot is then replaced below
    await store.commit(model.write([put('posts', { _id: 2 })]));
    await store.close();
    // Put the first segment back and damage the snapshot's successor chain: recovery must not
    // silently skip acknowledged data in the middle of the journal.
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['journal-0000000002.log', 'snapshot-0000000002.snap']);
    await rm(join(dir, 'snapshot-0000000002.snap'));
    await writeFile(first, Buffer.from('not a journal'));
    await expect(recovered()).rejects.toThrow(StorageCorruptError);
    await expect(recovered()).rejects.toThrow(/journal-0000000001\.log/);
  });

  it('shares one fsync among commits made while a write is in flight', async () => {
    const model = new StateModel();
    const store = await openInto(model);
    const before = store.stats().fsyncs;
    const acks = Array.from({ length: 100 }, (_, i) =>
      store.commit(model.write([put('posts', { _id: i })])),
    );
    await Promise.all(acks);
    const { fsyncs, records } = store.stats();
    // The first commit starts a write alone; the 99 that queued behind it share the next one.
    expect(fsyncs - before).toBe(2);
    expect(records).toBe(100);
    await store.close();
    expect(Object.keys((await recovered()).snapshot()['app.posts'] ?? {})).toHaveLength(100);
  });

  it('compacts while writes continue, and recovers exactly the state the engine had', async () => {
    const model = new StateModel();
    const store = await openInto(model, { snapshotChunkBytes: 2048 });
    for (let i = 0; i < 500; i++) {
      await store.commit(model.write([put('posts', { _id: i, v: 0, body: 'x'.repeat(50) })]));
    }
    // Writers keep going while the snapshot is read in small chunks (it yields between them).
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      let k = 0;
      while (!stop || k < 50) {
        k++;
        const id = (w * 7919 + k * 31) % 700;
        const ops =
          k % 5 === 0
            ? [del('posts', id)]
            : [put('posts', { _id: id, v: k, w }), put('meta', { _id: w, k })];
        await store.commit(model.write(ops));
      }
    });
    await store.compact(() => model.dump());
    stop = true;
    await Promise.all(writers);
    const expected = model.snapshot();
    expect(store.stats().compactions).toBe(1);
    await store.close();

    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['journal-0000000002.log', 'snapshot-0000000002.snap']);
    expect((await recovered()).snapshot()).toEqual(expected);
  });

  it('keeps a compaction exact when a collection is renamed while the snapshot is read', async () => {
    const model = new StateModel();
    const store = await openInto(model, { snapshotChunkBytes: 256 });
    for (let i = 0; i < 200; i++) await store.commit(model.write([put('a', { _id: i })]));
    const compaction = store.compact(() => model.dump());
    await store.commit(
      model.write([{ op: 'renameCollection', db: 'app', from: 'a', toDb: 'app', to: 'b' }]),
    );
    await store.commit(model.write([put('a', { _id: 'new' })]));
    await compaction;
    const expected = model.snapshot();
    await store.close();
    expect((await recovered()).snapshot()).toEqual(expected);
  });

  it('ignores a snapshot that was being written when the engine stopped', async () => {
    const model = new StateModel();
    const store = await openInto(model);
    await store.commit(model.write([put('posts', { _id: 1 })]));
    await store.close();
    await writeFile(join(dir, 'snapshot-0000000002.snap.tmp'), Buffer.from('half a snapshot'));

    expect((await recovered()).snapshot()).toEqual(model.snapshot());
    expect((await readdir(dir)).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('recovers from snapshot plus journal after several compactions', async () => {
    const model = new StateModel();
    let store = await openInto(model);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++)
        await store.commit(model.write([put('posts', { _id: i, round })]));
      await store.compact(() => model.dump());
      await store.commit(model.write([del('posts', round)]));
      await store.close();
      const again = new StateModel();
      store = await openInto(again);
      expect(again.snapshot()).toEqual(model.snapshot());
    }
    await store.close();
  });

  it('fails commits loudly, never hangs or acknowledges them, once the disk write fails', async () => {
    const fatal: Error[] = [];
    const store = await openInto(new StateModel(), { onFatal: (err) => fatal.push(err) });
    await store.commit([put('posts', { _id: 1 })]);
    // Simulate the disk failing under the journal: its file handle stops working.
    await (store as unknown as { fh: { close(): Promise<void> } }).fh.close();
    const inFlight = [
      store.commit([put('posts', { _id: 2 })]),
      store.commit([put('posts', { _id: 3 })]),
    ];
    await expect(inFlight[0]).rejects.toThrow(/journal write failed/);
    await expect(inFlight[1]).rejects.toThrow(/journal write failed/);
    await expect(store.commit([put('posts', { _id: 4 })])).rejects.toThrow(/journal write failed/);
    expect(fatal).toHaveLength(1);
    await store.close();
  });

  it('refuses commits after close', async () => {
    const store = await openInto(new StateModel());
    await store.close();
    await expect(store.commit([put('posts', { _id: 1 })])).rejects.toThrow(/closed/);
  });
});
