/**
 * Embedded engine benchmark (`npm run bench:engine`), loopback only, bounded in time.
 *
 * Figures: acknowledged (fsynced) inserts/s with 1 and 16 clients, indexed find p50/p99 at 100k
 * and 1M documents, engine RSS per 100k small documents. Raw baselines from the same run: the
 * disk's fdatasync rate and the wire round trip of a `ping` (no storage, no query).
 * Targets: find p99 <= 2 ms at 1M documents; >= 5,000 acknowledged inserts/s with 16 clients.
 *
 * BENCH_SECONDS (default 3) per throughput figure; BENCH_DOCS (default 1000000) for the large set.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../server/database/embedded/process';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const LARGE = Number(process.env.BENCH_DOCS ?? 1_000_000);
const FINDS = 5000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function rawFsyncRate(dir: string): number {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const buf = Buffer.alloc(200, 1);
  let n = 0;
  const end = Date.now() + 1000;
  while (Date.now() < end) {
    writeSync(fd, buf);
    fdatasyncSync(fd);
    n++;
  }
  closeSync(fd);
  unlinkSync(path);
  return n;
}

interface InsertRun {
  perSec: number;
  commitsPerFsync: number;
  fsyncsPerSec: number;
  rawFsyncPerSec: number;
}

/**
 * Acknowledged inserts/s with `clients` concurrent clients, on a fresh engine, with the disk's
 * raw fdatasync rate measured just before (the disk is shared, so it varies from run to run).
 */
async function insertRun(dataDir: string, clients: number): Promise<InsertRun> {
  const rawFsyncPerSec = rawFsyncRate(dataDir);
  let stats: { fsyncs?: number; records?: number } = {};
  const engine = await startEmbeddedEngine({
    dataDir: join(dataDir, `inserts-${clients}`),
    onLog: (line) => {
      if (line.includes('"event":"engine_stopped"')) stats = JSON.parse(line) as typeof stats;
    },
  });
  const client = new MongoClient(engine.uri, { maxPoolSize: clients });
  const coll = client.db('bench').collection('inserts');
  await coll.insertOne({ warm: true });
  let acked = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; Date.now() < end; i++) {
        await coll.insertOne({ c, i, body: 'x'.repeat(100), at: new Date() });
        acked++;
      }
    }),
  );
  await client.close();
  await engine.stop();
  const fsyncs = stats.fsyncs ?? NaN;
  return {
    perSec: acked / SECONDS,
    commitsPerFsync: (stats.records ?? NaN) / fsyncs,
    fsyncsPerSec: fsyncs / SECONDS,
    rawFsyncPerSec,
  };
}

async function load(uri: string, from: number, to: number): Promise<number> {
  const client = new MongoClient(uri);
  const coll = client.db('bench').collection('people');
  const started = Date.now();
  for (let k = from; k < to; k += 10_000) {
    const docs = [];
    for (let i = k; i < Math.min(to, k + 10_000); i++)
      docs.push({ k: i, name: `user-${i}`, n: i % 97 });
    await coll.insertMany(docs, { ordered: false });
  }
  await client.close();
  return (to - from) / ((Date.now() - started) / 1000);
}

interface FindRun {
  find: { p50: number; p99: number };
  /** `ping` latencies interleaved with the finds: the machine's own noise in the same window. */
  ping: { p50: number; p99: number };
}

async function findLatency(uri: string, size: number): Promise<FindRun> {
  const client = new MongoClient(uri);
  const coll = client.db('bench').collection('people');
  const admin = client.db('admin');
  const finds: number[] = [];
  const pings: number[] = [];
  const timed = async (into: number[] | null, run: () => Promise<unknown>): Promise<void> => {
    const t = process.hrtime.bigint();
    await run();
    into?.push(Number(process.hrtime.bigint() - t) / 1e6);
  };
  for (let i = 0; i < 200; i++) await timed(null, () => coll.findOne({ k: randomInt(size) }));
  for (let i = 0; i < FINDS; i++) {
    await timed(finds, () => coll.findOne({ k: randomInt(size) }));
    await timed(pings, () => admin.command({ ping: 1 }));
  }
  await client.close();
  const summary = (ms: number[]): { p50: number; p99: number } => {
    ms.sort((a, b) => a - b);
    return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
  };
  return { find: summary(finds), ping: summary(pings) };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'harbour-bench-'));
  const figures: Record<string, number | string> = {};
  let engine: EmbeddedEngine | undefined;
  const started = Date.now();
  try {
    for (const clients of [1, 16]) {
      const run = await insertRun(dataDir, clients);
      figures[`acked inserts/s, ${clients} client(s)`] = run.perSec;
      figures[`  commits per fsync, ${clients} client(s)`] = run.commitsPerFsync;
      figures[`  engine fsyncs/s, ${clients} client(s)`] = run.fsyncsPerSec;
      figures[`  raw fdatasync/s just before, ${clients} client(s)`] = run.rawFsyncPerSec;
      figures[`  inserts/s per raw fdatasync/s, ${clients} client(s)`] =
        run.perSec / run.rawFsyncPerSec;
    }

    // A fresh engine for the memory and find figures, so earlier inserts do not count.
    await rm(join(dataDir, 'db'), { recursive: true, force: true });
    const compactions: number[] = [];
    engine = await startEmbeddedEngine({
      dataDir: join(dataDir, 'db'),
      onLog: (line) => {
        if (line.includes('"event":"storage_compacted"'))
          compactions.push((JSON.parse(line) as { ms: number }).ms);
      },
    });
    const idx = new MongoClient(engine.uri);
    await idx.db('bench').collection('people').createIndex({ k: 1 });
    await idx.close();
    const rss0 = rssMb(engine.pid);
    figures['bulk load docs/s (100k)'] = await load(engine.uri, 0, 100_000);
    const rss100k = rssMb(engine.pid);
    figures['engine RSS MB, empty'] = rss0;
    figures['engine RSS MB per 100k small docs'] = rss100k - rss0;
    const at100k = await findLatency(engine.uri, 100_000);
    figures['indexed find p50 ms, 100k'] = at100k.find.p50;
    figures['indexed find p99 ms, 100k'] = at100k.find.p99;
    figures['  ping p50 / p99 ms, same window'] =
      `${at100k.ping.p50.toFixed(3)} / ${at100k.ping.p99.toFixed(3)}`;

    figures[`bulk load docs/s (to ${LARGE})`] = await load(engine.uri, 100_000, LARGE);
    const rssLarge = rssMb(engine.pid);
    figures[`engine RSS MB, ${LARGE} docs`] = rssLarge;
    figures['engine RSS MB per 100k small docs (large set)'] =
      ((rssLarge - rss0) * 100_000) / LARGE;
    const atLarge = await findLatency(engine.uri, LARGE);
    figures[`indexed find p50 ms, ${LARGE}`] = atLarge.find.p50;
    figures[`indexed find p99 ms, ${LARGE}`] = atLarge.find.p99;
    figures['  ping p50 / p99 ms, same window '] =
      `${atLarge.ping.p50.toFixed(3)} / ${atLarge.ping.p99.toFixed(3)}`;
    figures['  find p50 / ping p50'] = atLarge.find.p50 / atLarge.ping.p50;
    figures['snapshots (compactions) during load, ms each'] = compactions.join(', ') || 'none';

    const restart = Date.now();
    await engine.stop();
    engine = await startEmbeddedEngine({ dataDir: join(dataDir, 'db'), readyTimeoutMs: 600_000 });
    figures[`restart (recovery) s, ${LARGE} docs`] = (Date.now() - restart) / 1000;
    figures['total s'] = (Date.now() - started) / 1000;
  } finally {
    await engine?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  const rows = Object.entries(figures).map(([figure, value]) => ({
    figure,
    value: typeof value === 'number' ? Number(value.toFixed(value < 10 ? 3 : 0)) : value,
  }));
  console.table(rows);
  const targets = {
    'find p99 <= 2 ms at 1M': Number(figures[`indexed find p99 ms, ${LARGE}`]) <= 2,
    '>= 5000 acked inserts/s with 16 clients':
      Number(figures['acked inserts/s, 16 clients']) >= 5000,
  };
  console.log('targets', targets);
  const dir = join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `engine-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    JSON.stringify(
      { at: new Date().toISOString(), node: process.version, figures, targets },
      null,
      2,
    ),
  );
  console.log(`written ${file}`);
}

void main();
