import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashRounds } from './helpers/crash-rounds';

// Longer runs: `npm run test:chaos:engine` (CHAOS_ROUNDS, default 500).
// 50 SIGKILL rounds take ~40 s on a quiet 2-core machine; allow for a loaded one.
jest.setTimeout(360_000);

it('keeps every acknowledged write, intact, across 50 SIGKILLs of the engine', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'harbour-crash-'));
  try {
    const result = await runCrashRounds({
      dataDir,
      rounds: 50,
      writers: 4,
      killAfterMs: [20, 200],
    });
    expect(result.failures).toEqual([]);
    expect(result.rounds).toBe(50);
    // The kills must really land mid-write for the test to mean anything.
    expect(result.acknowledged).toBeGreaterThan(500);
    expect(result.inFlightAtKill).toBeGreaterThan(50);
    // ... and recovery must have met compactions and torn journal tails along the way.
    expect(result.compactions).toBeGreaterThan(0);
    expect(result.tailsDropped).toBeGreaterThan(10);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
