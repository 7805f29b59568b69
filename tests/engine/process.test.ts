import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { LOCK_FILE } from '../../server/database/embedded/lock';
import { startEmbeddedEngine } from '../../server/database/embedded/process';

jest.setTimeout(60_000);

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'harbour-process-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('embedded engine process', () => {
  it('keeps data across a clean restart and releases its lock on stop', async () => {
    const first = await startEmbeddedEngine({ dataDir });
    const client = new MongoClient(first.uri);
    await client
      .db('app')
      .collection('notes')
      .insertMany([{ _id: 1, text: 'kept' } as never, { _id: 2, n: 2 } as never]);
    await client.close();
    await first.stop();
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);

    const second = await startEmbeddedEngine({ dataDir });
    const again = new MongoClient(second.uri);
    const docs = await again.db('app').collection('notes').find({}).sort({ _id: 1 }).toArray();
    expect(docs).toEqual([
      { _id: 1, text: 'kept' },
      { _id: 2, n: 2 },
    ]);
    await again.close();
    await second.stop();
  });

  it('refuses a second engine on the same data directory, naming the first', async () => {
    const first = await startEmbeddedEngine({ dataDir });
    try {
      const second = startEmbeddedEngine({ dataDir });
      await expect(second).rejects.toThrow(`pid ${first.pid}`);
      await expect(startEmbeddedEngine({ dataDir })).rejects.toThrow(`port ${first.port}`);
    } finally {
      await first.stop();
    }
  });

  it('runs as `npm run db` does (tsx cli) and stops cleanly on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), 'server/database/embedded/main.ts'],
      {
        cwd: resolve(__dirname, '../..'),
        env: { ...process.env, HARBOUR_DB_PORT: '0', HARBOUR_DB_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const ready = await new Promise<{ port: number; pid: number }>((resolveReady, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { event?: string; port: number; pid: number };
        if (entry.event === 'engine_ready') resolveReady(entry);
      });
      void exited.then((code) => reject(new Error(`exited early with ${code}`)));
    });
    const client = new MongoClient(`mongodb://127.0.0.1:${ready.port}`);
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
    await client.close();
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(alive(ready.pid)).toBe(false);
  });

  it('acknowledges a j:false write before its fsync, and the next waiting write makes it durable', async () => {
    const first = await startEmbeddedEngine({ dataDir });
    const client = new MongoClient(first.uri);
    const counters = client.db('app').collection('counters', { writeConcern: { w: 1, j: false } });
    const posts = client.db('app').collection('posts');
    await counters.insertOne({ _id: 'c' as never, n: 1 });
    await counters.updateOne({ _id: 'c' as never }, { $inc: { n: 1 } });
    // Read back at once: acknowledged means applied.
    expect(await counters.findOne({ _id: 'c' as never })).toMatchObject({ n: 2 });
    await posts.insertOne({ _id: 'p' as never, text: 'waited for the journal' });
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    await client.close(true);
    const second = await startEmbeddedEngine({ dataDir });
    const again = new MongoClient(second.uri);
    try {
      expect(await again.db('app').collection('posts').countDocuments()).toBe(1);
      expect(await again.db('app').collection('counters').findOne({})).toMatchObject({ n: 2 });
    } finally {
      await again.close();
      await second.stop();
    }
  });

  it('does not outlive an app process that is killed', async () => {
    const parent = join(dataDir, 'parent.ts');
    const processModule = resolve(__dirname, '../../server/database/embedded/process.ts');
    await writeFile(
      parent,
      `import { startEmbeddedEngine } from ${JSON.stringify(processModule)};\n` +
        `startEmbeddedEngine({ dataDir: ${JSON.stringify(join(dataDir, 'db'))} }).then((e) => console.log(e.pid));\n`,
    );
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(require.resolve('tsx')).href, parent],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const enginePid = await new Promise<number>((r) =>
      createInterface({ input: child.stdout }).once('line', (l) => r(Number(l))),
    );
    expect(alive(enginePid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitFor(() => !alive(enginePid), 10_000)).toBe(true);
  });
});
