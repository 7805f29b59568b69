/**
 * Connects Mongoose to MongoDB when MONGODB_URI is set, and otherwise to the embedded engine,
 * started as a child process on a random loopback port with its files in `<dataDir>/db`.
 */
import { join } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { startEmbeddedEngine, type EmbeddedEngine } from './embedded/process';

export interface DatabaseLog {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ConnectOptions {
  mongodbUri?: string;
  dataDir: string;
  /** Database name used with the embedded engine (a MONGODB_URI names its own). */
  dbName?: string;
  log?: DatabaseLog;
}

export interface Database {
  uri: string;
  connection: Connection;
  /** The embedded engine's process, when one was started. */
  engine?: EmbeddedEngine;
  close(): Promise<void>;
}

/** Query hardening shared by every connection: see ARCHITECTURE.md, security conventions. */
export function hardenMongoose(): void {
  // Filters built from user input cannot smuggle operators ({ $ne: null }).
  mongoose.set('sanitizeFilter', true);
  // A filter on a path the schema does not know is a bug: fail loudly instead of matching all.
  mongoose.set('strictQuery', 'throw');
}

export async function connectDatabase(opts: ConnectOptions): Promise<Database> {
  hardenMongoose();
  let engine: EmbeddedEngine | undefined;
  let closing = false;
  let uri = opts.mongodbUri;
  if (uri === undefined || uri === '') {
    engine = await startEmbeddedEngine({
      dataDir: join(opts.dataDir, 'db'),
      host: '127.0.0.1',
      port: 0,
      onLog: (line) => forwardEngineLog(opts.log, line),
    });
    uri = `${engine.uri}/${opts.dbName ?? 'harbour'}`;
    opts.log?.info({ event: 'embedded_engine_started', port: engine.port, pid: engine.pid });
    void engine.exited.then(({ code, signal }) => {
      if (!closing) opts.log?.error({ event: 'embedded_engine_exited', code, signal });
    });
  }
  try {
    await mongoose.connect(uri);
  } catch (err) {
    await engine?.stop();
    throw err;
  }
  await dropSupersededIndexes(mongoose.connection, opts.log);
  return {
    uri,
    connection: mongoose.connection,
    engine,
    async close() {
      closing = true;
      await mongoose.disconnect();
      await engine?.stop();
    },
  };
}

/**
 * Indexes a release replaced: each instance builds the indexes its models declare when it starts
 * (Mongoose's autoIndex), but an index no longer declared would stay, costing every write. Dropped
 * here, once; an instance that finds one already gone (another dropped it) moves on.
 */
export const SUPERSEDED_INDEXES: ReadonlyArray<{ collection: string; index: string }> = [
  // 29 November 2026: the thread list's index now ends with _id (it serves the page order).
  { collection: 'posts', index: 'group_1_status_1_parent_1_lastActivityAt_-1' },
];

export async function dropSupersededIndexes(
  connection: Connection,
  log?: DatabaseLog,
): Promise<void> {
  for (const { collection, index } of SUPERSEDED_INDEXES) {
    try {
      await connection.collection(collection).dropIndex(index);
      log?.info({ event: 'superseded_index_dropped', collection, index });
    } catch (err) {
      // 26 NamespaceNotFound (no such collection yet), 27 IndexNotFound: nothing to drop.
      const code = (err as { code?: number }).code;
      if (code === 26 || code === 27) continue;
      // E.g. a database user without dropIndex: the old index only costs writes, so Harbour
      // starts anyway and says which index to drop by hand.
      log?.error({ event: 'superseded_index_drop_failed', collection, index, code });
    }
  }
}

function forwardEngineLog(log: DatabaseLog | undefined, line: string): void {
  if (log === undefined) return;
  try {
    const entry = JSON.parse(line) as { level?: number; event?: string };
    // pino levels: 50 error, 60 fatal.
    if ((entry.level ?? 30) >= 50) log.error({ engine: entry });
    else log.info({ engine: entry });
  } catch {
    log.info({ engine: { line } });
  }
}
