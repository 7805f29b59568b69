import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { Schema } from 'mongoose';
import type { Connection } from 'mongoose';
import { connectDatabase, dropSupersededIndexes, SUPERSEDED_INDEXES } from '../../server/database';

jest.setTimeout(60_000);

describe('connectDatabase without MONGODB_URI', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'harbour-connect-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts the embedded engine, keeps data in <dataDir>/db, and stops it on close', async () => {
    const Note = mongoose.model('Note', new Schema({ text: String, n: Number }));
    const db = await connectDatabase({ dataDir });
    expect(db.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/harbour$/);
    await Note.create({ text: 'hello', n: 1 });
    // sanitizeFilter: an operator smuggled in as a value is refused instead of matching everything.
    await expect(Note.find({ text: { $ne: 'x' } as unknown as string })).rejects.toThrow(
      /Cast to string/,
    );
    // strictQuery 'throw': a typo in a filter fails instead of matching every document.
    await expect(Note.find({ txet: 'hello' })).rejects.toThrow(/strictQuery|not in schema/);
    const engine = db.engine;
    await db.close();
    expect(await engine?.exited).toEqual({ code: 0, signal: null });

    const again = await connectDatabase({ dataDir });
    expect((await Note.find({}).lean()).map((d) => d.text)).toEqual(['hello']);
    await again.close();
  });

  it('drops the indexes a release replaced, once, whichever instance starts first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harbour-upgrade-'));
    try {
      const first = await connectDatabase({ dataDir: dir }); // no collections yet: nothing to drop
      const { collection, index } = SUPERSEDED_INDEXES[0] as { collection: string; index: string };
      const coll = mongoose.connection.collection(collection);
      await coll.createIndex({ group: 1, status: 1, parent: 1, lastActivityAt: -1 });
      expect((await coll.indexes()).map((i) => i.name)).toContain(index);
      await first.close();
      const upgraded = await connectDatabase({ dataDir: dir });
      expect(
        (await mongoose.connection.collection(collection).indexes()).map((i) => i.name),
      ).not.toContain(index);
      await upgraded.close();
      const again = await connectDatabase({ dataDir: dir }); // already gone: starts all the same
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts anyway when the database refuses the drop, and logs which index to drop by hand', async () => {
    const refused = Object.assign(new Error('not authorized'), { code: 13 });
    const connection = {
      collection: () => ({ dropIndex: () => Promise.reject(refused) }),
    } as unknown as Connection;
    const errors: object[] = [];
    await dropSupersededIndexes(connection, {
      info: () => undefined,
      error: (o) => errors.push(o),
    });
    expect(errors).toEqual([
      expect.objectContaining({ event: 'superseded_index_drop_failed', code: 13 }),
    ]);
  });
});
