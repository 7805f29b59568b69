/**
 * `npm run bench` runs every scenario; `npm run bench -- b d` runs some. `--smoke` runs the tiny
 * sizes; `--source` runs the server through tsx instead of the production build. Figures go to
 * the console as a table and to tests/bench/results/bench-<time>.json.
 *
 * BENCH_SUSTAIN_SECONDS (default 60) sets scenario C's duration.
 */
import { printTable, runBench, SCENARIOS, writeResult, type ScenarioName } from './harness';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) {
    console.error(
      `unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(SCENARIOS).join(' ')}`,
    );
    process.exit(2);
  }
  const scenarios = (names.length ? names : Object.keys(SCENARIOS)) as ScenarioName[];
  const result = await runBench({
    scenarios,
    smoke: args.includes('--smoke'),
    build: args.includes('--source') ? 'source' : 'dist',
  });
  printTable(result);
  console.log(`written ${await writeResult(result)}`);
  process.exit(result.errors.length ? 1 : 0);
}

void main();
