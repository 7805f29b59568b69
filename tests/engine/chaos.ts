/**
 * The long crash test: `npm run test:chaos:engine` (CHAOS_ROUNDS=500 by default, CHAOS_WRITERS=8).
 * Kills the engine with SIGKILL while clients write, restarts it, checks every acknowledged write.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashRounds } from './helpers/crash-rounds';

async function main(): Promise<void> {
  const rounds = Number(process.env.CHAOS_ROUNDS ?? 500);
  const writers = Number(process.env.CHAOS_WRITERS ?? 8);
  const dataDir = await mkdtemp(join(tmpdir(), 'harbour-chaos-'));
  const started = Date.now();
  try {
    const result = await runCrashRounds({ dataDir, rounds, writers, killAfterMs: [10, 600] });
    console.log(
      JSON.stringify(
        {
          ...result,
          failures: result.failures.slice(0, 20),
          seconds: (Date.now() - started) / 1000,
        },
        null,
        2,
      ),
    );
    if (result.failures.length > 0) process.exitCode = 1;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
