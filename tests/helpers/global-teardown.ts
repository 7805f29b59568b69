import { rm } from 'node:fs/promises';
import './global-setup';

export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.harbourTestEngine;
  if (handle === undefined) return;
  globalThis.harbourTestEngine = undefined;
  await handle.engine.stop();
  await rm(handle.dataDir, { recursive: true, force: true });
}
