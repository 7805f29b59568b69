import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../server/database/embedded/process';

/** Shared with global-teardown (Jest runs both in the same parent process). */
export interface TestEngineHandle {
  engine: EmbeddedEngine;
  dataDir: string;
}
declare global {
  var harbourTestEngine: TestEngineHandle | undefined;
}

/** One embedded engine for the whole run; each test file uses its own database in it. */
export default async function globalSetup(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'harbour-test-db-'));
  const engine = await startEmbeddedEngine({ dataDir });
  globalThis.harbourTestEngine = { engine, dataDir };
  // Workers inherit the environment of the process that spawns them.
  process.env.HARBOUR_TEST_MONGODB_URI = engine.uri;
}
