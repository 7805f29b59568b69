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
