/**
 * The embedded database engine's process: `npm run db`, or spawned by `startEmbeddedEngine`.
 *
 * It takes the data directory's lock, replays storage into a new engine, and serves the MongoDB
 * wire protocol. Once listening it prints one line `{"event":"engine_ready","port":N,"pid":P}`;
 * everything else on stdout is a pino JSON log line. SIGTERM/SIGINT (or, when spawned by the app,
 * the parent's end of stdin closing) stop it cleanly: writes already accepted are flushed.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import pino from 'pino';
import { z } from 'zod';
import { Engine } from './core/engine';
import { acquireLock, DataDirLockedError, type DataDirLock } from './lock';
import { openDurable, type JournalDurable } from './storage/journal';
import type { Durable } from './storage/types';
import { startWireServer } from './wire/server';

const env = z
  .object({
    HARBOUR_DB_HOST: z.string().min(1).default('127.0.0.1'),
    HARBOUR_DB_PORT: z.coerce.number().int().min(0).max(65535).default(27017),
    HARBOUR_DB_DIR: z.string().min(1).default('./data/db'),
    /** Compact once the journal exceeds this many bytes (and the last snapshot's size). */
    HARBOUR_DB_COMPACT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** Longest a group commit waits for more writers (default: adaptive, see journal.ts). */
    HARBOUR_DB_GROUP_COMMIT_WAIT_MS: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.coerce.number().min(0).max(50).optional(),
    ),
    /** How often to check the journal's size. */
    HARBOUR_DB_COMPACT_CHECK_MS: z.coerce.number().int().positive().default(500),
    /** Set by startEmbeddedEngine: exit when the parent's end of stdin closes (parent died). */
    HARBOUR_DB_WATCH_STDIN: z.enum(['0', '1']).default('0'),
    HARBOUR_DB_LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
      .default('info'),
  })
  .parse(process.env);

const log = pino({
  level: env.HARBOUR_DB_LOG_LEVEL,
  base: { pid: process.pid, name: 'harbour-db' },
});

async function main(): Promise<void> {
  const dir = resolve(env.HARBOUR_DB_DIR);
  await mkdir(dir, { recursive: true });
  let lock: DataDirLock;
  try {
    lock = await acquireLock(dir);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      log.fatal({
        event: 'data_dir_locked',
        dir,
        holderPid: err.holder.pid,
        holderPort: err.holder.port,
      });
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  // The engine needs its Durable at construction, and storage replays into the engine: bridge
  // the two with a forwarder that is bound once storage is open (replay makes no durable calls).
  const durable: Durable = {
    commit: (ops) => store.commit(ops),
    compact: (state) => store.compact(state),
    close: () => store.close(),
  };
  const engine = new Engine({ durable });
  let stopping: Promise<void> | undefined;

  const started = Date.now();
  const store: JournalDurable = await openDurable({
    dir,
    apply: (op) => engine.apply(op),
    groupCommitWaitMs: env.HARBOUR_DB_GROUP_COMMIT_WAIT_MS,
    log: (event, fields) => log.info({ event, ...fields }),
    onFatal: (err) => {
      log.fatal({ event: 'journal_failed', error: err.message });
      void shutdown('journal_failed', 1);
    },
  });
  log.info({ event: 'storage_opened', dir, ms: Date.now() - started, ...store.stats() });
  engine.startTtlMonitor();

  const server = await startWireServer(engine, {
    host: env.HARBOUR_DB_HOST,
    port: env.HARBOUR_DB_PORT,
    log: (event: string, fields?: Record<string, unknown>) => log.info({ event, ...fields }),
  });
  await lock.update({ host: env.HARBOUR_DB_HOST, port: server.port });

  // Compact when the journal outgrows both the threshold and the last snapshot (so the cost of
  // rewriting the state stays proportional to what was written). After a failure (e.g. a full
  // disk) wait a minute rather than start a new journal segment every check.
  let compactAfter = 0;
  const compactor = setInterval(() => {
    const s = store.stats();
    if (stopping || Date.now() < compactAfter) return;
    if (s.journalBytes < Math.max(env.HARBOUR_DB_COMPACT_BYTES, s.snapshotBytes)) return;
    compactAfter = Number.MAX_SAFE_INTEGER; // one at a time
    store
      .compact(() => engine.dump())
      .then(() => {
        compactAfter = 0;
      })
      .catch((err: Error) => {
        compactAfter = Date.now() + 60_000;
        log.error({ event: 'compaction_failed', error: err.message });
      });
  }, env.HARBOUR_DB_COMPACT_CHECK_MS);
  compactor.unref();

  async function shutdown(reason: string, code: number): Promise<void> {
    stopping ??= (async () => {
      log.info({ event: 'engine_stopping', reason });
      clearInterval(compactor);
      const deadline = setTimeout(() => {
        log.error({ event: 'engine_stop_timeout' });
        process.exit(1);
      }, 15_000);
      deadline.unref();
      await server.close();
      engine.stop();
      await store.close();
      await lock.release();
      log.info({ event: 'engine_stopped', reason, ...store.stats() });
      process.exit(code);
    })();
    return stopping;
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  if (env.HARBOUR_DB_WATCH_STDIN === '1') {
    process.stdin.on('end', () => void shutdown('parent_gone', 0));
    process.stdin.on('error', () => void shutdown('parent_gone', 0));
    process.stdin.resume();
  }

  log.info({ event: 'engine_listening', host: env.HARBOUR_DB_HOST, port: server.port, dir });
  process.stdout.write(
    `${JSON.stringify({ event: 'engine_ready', port: server.port, pid: process.pid })}\n`,
  );
}

main().catch((err: unknown) => {
  const error = err instanceof Error ? err : new Error(String(err));
  log.fatal({ event: 'engine_failed', error: error.message, stack: error.stack });
  process.stderr.write(`Harbour database engine failed to start: ${error.message}\n`);
  process.exit(1);
});
