/**
 * The benchmark harness behind `npm run bench` (see run.ts) and the smoke test. Starts Harbour
 * (production build, NODE_ENV=production, embedded engine) and the raw baselines on the server
 * core, runs the chosen scenarios from this process on the other core, and returns the rows.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FULL, SMOKE, type BenchContext, type Sizes } from './lib/context';
import {
  build,
  pinning,
  pinSelf,
  startBaseline,
  startHarbour,
  type ServerBuild,
} from './lib/procs';
import { connectSeed, disconnectSeed } from './lib/seed';
import type { Row } from './lib/stats';
import { scenarioA } from './scenarios/a-group-page';
import { scenarioB } from './scenarios/b-delivery';
import { scenarioC } from './scenarios/c-sustained';
import { scenarioD } from './scenarios/d-memory';
import { scenarioE } from './scenarios/e-logins';
import { scenarioF } from './scenarios/f-engine';

export const SCENARIOS = {
  a: scenarioA,
  b: scenarioB,
  c: scenarioC,
  d: scenarioD,
  e: scenarioE,
  f: scenarioF,
} as const;
export type ScenarioName = keyof typeof SCENARIOS;

export interface BenchOptions {
  scenarios: ScenarioName[];
  smoke?: boolean;
  /** 'dist' (default): `npm run build` and run the build; 'source': run through tsx (smoke). */
  build?: ServerBuild;
  sizes?: Partial<Sizes>;
  quiet?: boolean;
}

export interface BenchResult {
  at: string;
  node: string;
  pinned: boolean;
  smoke: boolean;
  rows: Row[];
  errors: Array<{ scenario: string; message: string }>;
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const smoke = opts.smoke ?? false;
  const sizes = { ...(smoke ? SMOKE : FULL), ...opts.sizes };
  const log = (line: string) => {
    if (!opts.quiet) console.log(`[bench] ${line}`);
  };
  // The smoke run shares a Jest worker: leave its CPU affinity alone.
  const pinned = smoke ? false : pinSelf();
  log(
    pinned
      ? 'load generator on core 1, servers on core 0'
      : smoke
        ? 'smoke run: no CPU pinning'
        : 'no CPU pinning available',
  );
  const serverBuild = opts.build ?? 'dist';
  if (serverBuild === 'dist') {
    log('npm run build');
    build();
  }
  const result: BenchResult = {
    at: new Date().toISOString(),
    node: process.version,
    pinned: pinned && pinning().available,
    smoke,
    rows: [],
    errors: [],
  };
  const needsServers = opts.scenarios.some((s) => s !== 'f');
  const harbour = needsServers ? await startHarbour({ build: serverBuild }) : undefined;
  const raw = needsServers ? await startBaseline('raw-socketio') : undefined;
  try {
    if (harbour) await connectSeed(harbour.databaseUri);
    for (const name of opts.scenarios) {
      log(`scenario ${name.toUpperCase()}`);
      const ctx = { harbour, raw, sizes, smoke, log } as BenchContext;
      try {
        result.rows.push(...(await SCENARIOS[name](ctx)));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`scenario ${name.toUpperCase()} failed: ${message}`);
        result.errors.push({ scenario: name, message });
      }
    }
  } finally {
    await disconnectSeed();
    await raw?.stop();
    await harbour?.stop();
  }
  return result;
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function printTable(result: BenchResult): void {
  console.table(
    result.rows.map((r) => ({
      '': r.scenario,
      figure: r.figure,
      harbour: fmt(r.harbour),
      baseline: fmt(r.baseline),
      ratio: fmt(r.ratio),
      target: r.target ?? '',
      met: r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    })),
  );
  for (const e of result.errors) console.log(`scenario ${e.scenario} failed: ${e.message}`);
}

export async function writeResult(result: BenchResult): Promise<string> {
  const dir = join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `bench-${result.at.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  return file;
}
