/**
 * The benchmark harness at tiny size (5 members, 2 s): every scenario runs end to end against
 * Harbour in production mode, and every delivery the clients count arrives exactly once. Speed is
 * never asserted here; `npm run bench` prints the figures.
 */
import { runBench, type BenchResult } from './harness';

jest.setTimeout(240_000);

let result: BenchResult;

beforeAll(async () => {
  result = await runBench({
    scenarios: ['a', 'b', 'c', 'd', 'e', 'f'],
    smoke: true,
    build: 'source',
    quiet: true,
  });
});

function figure(scenario: string, name: RegExp) {
  const found = result.rows.filter((r) => r.scenario === scenario && name.test(r.figure));
  expect(found.length).toBeGreaterThan(0);
  return found;
}

test('every scenario runs to the end', () => {
  expect(result.errors).toEqual([]);
  expect(new Set(result.rows.map((r) => r.scenario))).toEqual(
    new Set(['A', 'B', 'C', 'D', 'E', 'F']),
  );
});

test('the group page answers every request (no errors, no non-2xx)', () => {
  for (const r of figure('A', /errors/)) expect(r.harbour).toBe(0);
});

test('approvals reach every member exactly once (B, C, E), as in the raw baseline', () => {
  for (const s of ['B', 'C', 'E']) {
    for (const r of figure(s, /lost \/ duplicated/)) {
      expect(r.harbour).toBe(0);
      if (r.baseline !== undefined) expect(r.baseline).toBe(0);
    }
  }
  // Sustained run: something was approved and delivered, nothing refused.
  expect(figure('C', /approvals\/s/)[0]?.harbour).toBeGreaterThan(0);
  expect(figure('C', /refused/)[0]?.harbour).toBe(0);
  // Its cost per approval is read from both processes, beside the raw server's per broadcast.
  const cpu = figure('C', /CPU ms per approval: app server/)[0];
  expect(cpu?.harbour).toBeGreaterThan(0);
  expect(cpu?.baseline).toBeGreaterThan(0);
  expect(figure('C', /CPU ms per approval: embedded engine/)[0]?.harbour).toBeGreaterThan(0);
});

test('sign-ins during load all succeed', () => {
  expect(figure('E', /failed sign-ins/)[0]?.harbour).toBe(0);
  expect(figure('E', /sign-ins\/s/)[0]?.harbour).toBeGreaterThan(0);
});
