/**
 * The crash test: clients write through the real driver while the engine process is killed with
 * SIGKILL at random moments; after each restart every acknowledged write must be there, intact,
 * and no write may be half there.
 *
 * Each writer owns its documents, so a document has at most one operation in flight, and after a
 * crash its state must be either the last acknowledged one or the one that was in flight.
 */
import { createHash, randomInt } from 'node:crypto';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import {
  startEmbeddedEngine,
  type EmbeddedEngine,
} from '../../../server/database/embedded/process';

interface Doc {
  _id: string;
  writer: number;
  v: number;
  n: number;
  payload: string;
  nested: { v: number; list: number[] };
}

/** What a document must look like at version v: every field is derived from (id, v). */
function docAt(id: string, writer: number, v: number): Doc {
  const digest = createHash('sha256').update(`${id}:${v}`).digest('hex');
  return {
    _id: id,
    writer,
    v,
    n: v,
    payload: digest.repeat(3),
    nested: { v, list: [v, v * 2, v * 3] },
  };
}

/** Per document: the version last acknowledged (null: insert not acknowledged) and in flight. */
interface Expect {
  writer: number;
  acked: number | null;
  inflight: number | null;
}

export interface CrashRoundsOptions {
  dataDir: string;
  rounds: number;
  writers: number;
  /** Kill after a random delay in [minMs, maxMs) once writing starts. */
  killAfterMs: [number, number];
  log?: (line: string) => void;
}

export interface CrashRoundsResult {
  rounds: number;
  acknowledged: number;
  inFlightAtKill: number;
  inFlightFoundApplied: number;
  documents: number;
  /** Storage events seen in the engine's logs: compactions, torn tails dropped at recovery. */
  compactions: number;
  tailsDropped: number;
  failures: string[];
}

export async function runCrashRounds(opts: CrashRoundsOptions): Promise<CrashRoundsResult> {
  const expected = new Map<string, Expect>();
  const result: CrashRoundsResult = {
    rounds: 0,
    acknowledged: 0,
    inFlightAtKill: 0,
    inFlightFoundApplied: 0,
    documents: 0,
    compactions: 0,
    tailsDropped: 0,
    failures: [],
  };
  const onLog = (line: string): void => {
    if (line.includes('"event":"storage_compacted"')) result.compactions++;
    if (line.includes('"event":"journal_tail_dropped"')) result.tailsDropped++;
    opts.log?.(line);
  };
  const start = (): Promise<EmbeddedEngine> =>
    startEmbeddedEngine({
      dataDir: opts.dataDir,
      // Compact often, so crashes also land during and right after compactions.
      env: {
        HARBOUR_DB_COMPACT_BYTES: '65536',
        HARBOUR_DB_COMPACT_CHECK_MS: '50',
      },
      onLog,
    });

  for (let round = 0; round < opts.rounds && result.failures.length === 0; round++) {
    const engine = await start();
    const client = new MongoClient(engine.uri, {
      maxPoolSize: opts.writers,
      retryWrites: false,
      serverSelectionTimeoutMS: 5000,
    });
    try {
      const coll = client.db('crash').collection<Doc>('docs');
      await verify(coll, expected, result, `round ${round}`);
      if (result.failures.length > 0) break;

      let killed = false;
      const writers = Array.from({ length: opts.writers }, (_, w) =>
        write(coll, w, round, expected, result, () => killed),
      );
      await sleep(randomInt(opts.killAfterMs[0], opts.killAfterMs[1]));
      killed = true;
      process.kill(engine.pid, 'SIGKILL');
      await engine.exited;
      await Promise.all(writers);
      // Every third round, also leave a torn record at the journal's end, as a power cut in the
      // middle of an unacknowledged write would.
      if (round % 3 === 1) await tearJournalTail(opts.dataDir);
      result.rounds++;
    } finally {
      await client.close(true).catch(() => undefined);
      await engine.stop();
    }
  }

  // Finally a clean stop and restart must keep everything too.
  if (result.failures.length === 0) {
    for (const phase of ['after crashes', 'after a clean restart']) {
      const engine = await start();
      const client = new MongoClient(engine.uri, {
        retryWrites: false,
        serverSelectionTimeoutMS: 5000,
      });
      try {
        await verify(client.db('crash').collection<Doc>('docs'), expected, result, phase);
      } finally {
        await client.close(true);
        await engine.stop();
      }
    }
  }
  result.documents = expected.size;
  return result;
}

async function write(
  coll: Collection<Doc>,
  writer: number,
  round: number,
  expected: Map<string, Expect>,
  result: CrashRoundsResult,
  killed: () => boolean,
): Promise<void> {
  const mine = [...expected].filter(([, e]) => e.writer === writer).map(([id]) => id);
  for (let k = 0; !killed(); k++) {
    const update = mine.length > 0 && randomInt(2) === 0;
    const id = update ? (mine[randomInt(mine.length)] as string) : `r${round}-w${writer}-${k}`;
    const e: Expect = expected.get(id) ?? { writer, acked: null, inflight: null };
    expected.set(id, e);
    const v = (e.acked ?? -1) + 1;
    e.inflight = v;
    try {
      if (update) {
        const next = docAt(id, writer, v);
        const res = await coll.updateOne(
          { _id: id },
          { $set: { payload: next.payload, nested: next.nested, v }, $inc: { n: 1 } },
        );
        if (res.matchedCount !== 1)
          result.failures.push(`update of ${id} matched ${res.matchedCount}`);
      } else {
        await coll.insertOne(docAt(id, writer, v));
        mine.push(id);
      }
    } catch {
      // The engine was killed: this write's outcome is unknown, so it stays "in flight".
      return;
    }
    e.acked = v;
    e.inflight = null;
    result.acknowledged++;
  }
}

async function verify(
  coll: Collection<Doc>,
  expected: Map<string, Expect>,
  result: CrashRoundsResult,
  phase: string,
): Promise<void> {
  const found = new Map<string, Doc>();
  for (const doc of await coll.find({}).toArray()) found.set(doc._id, doc);
  for (const [id, e] of expected) {
    const doc = found.get(id);
    found.delete(id);
    if (e.inflight !== null) result.inFlightAtKill++;
    if (doc === undefined) {
      if (e.acked !== null)
        result.failures.push(`${phase}: acknowledged document ${id} (v${e.acked}) is missing`);
      else expected.delete(id); // its insert was never acknowledged and did not survive: fine
      continue;
    }
    const allowed = [e.acked, e.inflight].filter((v) => v !== null);
    if (!allowed.includes(doc.v)) {
      result.failures.push(`${phase}: ${id} has v${doc.v}, expected one of ${allowed.join(', ')}`);
      continue;
    }
    const want = docAt(id, e.writer, doc.v);
    if (JSON.stringify(doc) !== JSON.stringify(want)) {
      result.failures.push(`${phase}: ${id} is not intact (half-applied or damaged) at v${doc.v}`);
      continue;
    }
    if (e.inflight !== null && doc.v === e.inflight) result.inFlightFoundApplied++;
    // Whatever survived is the truth from now on.
    e.acked = doc.v;
    e.inflight = null;
  }
  for (const id of found.keys()) result.failures.push(`${phase}: unexpected document ${id}`);
}

/**
 * Writes the first part (never all) of a copy of a real record just after the last record of the
 * last journal segment (into its zero-filled preallocated space, or past its end).
 */
async function tearJournalTail(dataDir: string): Promise<void> {
  const segments = (await readdir(dataDir)).filter((n) => n.startsWith('journal-')).sort();
  const path = join(dataDir, segments.at(-1) as string);
  const bytes = await readFile(path);
  const records: number[] = [];
  let end = 0;
  while (end + 12 <= bytes.length && bytes.readUInt32LE(end) === 0x31425248) {
    const next = end + 12 + bytes.readUInt32LE(end + 4);
    if (next > bytes.length) break;
    records.push(end);
    end = next;
  }
  // A segment the kill caught before its header was written has no record to copy from (the
  // engine must and does start from it anyway): nothing to tear this round.
  if (records.length === 0) return;
  // Copy a prefix of a real record whose missing rest holds a non-zero byte: the space it lands
  // in is zero-filled, and a prefix completed by zeros into the very same record (a segment
  // header ends in zero bytes) would not be torn at all.
  let from = 0;
  let cut = 0;
  for (let tries = 0; cut === 0 && tries < 100; tries++) {
    from = records[randomInt(records.length)] as number;
    const length = 12 + bytes.readUInt32LE(from + 4);
    let lastNonZero = length - 1;
    while (lastNonZero > 0 && bytes[from + lastNonZero] === 0) lastNonZero--;
    if (lastNonZero > 0) cut = randomInt(1, lastNonZero + 1);
  }
  if (cut === 0) return;
  const torn = Buffer.from(bytes.subarray(from, from + cut));
  const fh = await open(path, 'r+');
  await fh.write(torn, 0, torn.length, end);
  await fh.close();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
