/**
 * Processes under test: the production build of Harbour and the bare baselines, each started on
 * the server core (taskset -c 0 when available) while the load generator (this process) keeps
 * to the other core. Loopback only. Each process answers `bench:stats` over IPC.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchStats } from '../../../server/bench-stats';
import { TEST_PASSWORD_PEPPER } from '../../helpers/deps';

export const ROOT = join(__dirname, '..', '..', '..');

/** Two or more cores: servers on core 0, the load generator on core 1. */
export function pinning(): { server: string[]; available: boolean } {
  const has = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return { server: has ? ['taskset', '-c', '0'] : [], available: has };
}

/** Moves this process (the load generator) to core 1 when possible (children inherit it). */
export function pinSelf(core = 1): boolean {
  if (!pinning().available) return false;
  return spawnSync('taskset', ['-a', '-cp', String(core), String(process.pid)]).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  stats(opts?: { reset?: boolean; gc?: boolean }): Promise<BenchStats>;
  stop(): Promise<void>;
}

function wrap(name: string, child: ChildProcess, cleanup?: () => Promise<void>): Proc {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid: child.pid as number,
    child,
    stats(opts = {}) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no stats answer`)), 10_000);
        const onMessage = (m: BenchStats) => {
          if (m?.kind !== 'bench:stats') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
        child.send({ kind: 'bench:stats', ...opts });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 12_000);
        await exited;
        clearTimeout(force);
      }
      await cleanup?.();
    },
  };
}

/** Polls a log file until `ready` matches (or the process exits first). */
async function waitForFile(
  child: ChildProcess,
  file: string,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpMatchArray> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const match = ready.exec(text);
    if (match) return match;
    if (child.exitCode !== null)
      throw new Error(`server exited (code ${child.exitCode})\n${stderr}\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start in time\n${stderr}`);
}

/** Waits for a line on stdout matching `ready`; returns the match. Always drains both streams. */
function waitFor(
  child: ChildProcess,
  name: string,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpMatchArray> {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (tail = (tail + c).slice(-4000)));
  child.stdout?.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let buffer = '';
    let done = false;
    const timer = setTimeout(() => fail('did not start in time'), timeoutMs);
    const fail = (why: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name} ${why}\n${tail}\n${buffer.slice(-2000)}`));
    };
    child.once('exit', (code) => fail(`exited (code ${code})`));
    child.stdout?.on('data', (chunk: string) => {
      if (done) return; // keep draining, stop looking
      buffer = (buffer + chunk).slice(-20_000);
      const match = ready.exec(buffer);
      if (match) {
        done = true;
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

export interface HarbourProc extends Proc {
  baseUrl: string;
  /** The embedded engine the server started (for seeding through the models). */
  databaseUri: string;
  enginePid: number;
}

export type ServerBuild = 'dist' | 'source';

/** `npm run build` (tsc); skipped when the caller runs from source. */
export function build(): void {
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

/**
 * Harbour as in production: NODE_ENV=production with the minimum its guard rails require on
 * loopback (an https PUBLIC_URL, a 32-byte SESSION_SECRET, TRUST_PROXY=loopback: the harness
 * plays the TLS proxy by sending X-Forwarded-Proto: https). bcrypt cost stays at production's 12;
 * seeded accounts carry cheaper hashes (see seed.ts) except the ones scenario E signs in with.
 */
export async function startHarbour(
  opts: { build?: ServerBuild; env?: Record<string, string> } = {},
): Promise<HarbourProc> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'harbour-bench-'));
  const entry =
    opts.build === 'source'
      ? ['--import', pathToFileURL(require.resolve('tsx')).href, join(ROOT, 'server', 'main.ts')]
      : [join(ROOT, 'dist', 'server', 'main.js')];
  if (opts.build !== 'source' && !existsSync(entry[0] as string)) {
    throw new Error('dist/server/main.js is missing: run npm run build');
  }
  const pin = pinning().server;
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the server, written when it stops.
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const argv = [...pin, process.execPath, '--expose-gc', ...prof, ...entry];
  // The server's log goes to a file, as in production: a pipe to this (busy) process would make
  // the server wait on the load generator to read its log lines.
  const logFile = join(dataDir, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', out, 'pipe', 'ipc'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `https://127.0.0.1:${port}`,
      TRUST_PROXY: 'loopback',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      HARBOUR_BENCH_STATS: '1',
      // The embedded engine's profile too (server/database/embedded/process.ts).
      ...(process.env.BENCH_CPU_PROF
        ? { HARBOUR_DB_CPU_PROF_DIR: process.env.BENCH_CPU_PROF }
        : {}),
      ...opts.env,
    },
  });
  closeSync(out);
  const match = await waitForFile(
    child,
    logFile,
    /"event":"embedded_engine_started","port":(\d+),"pid":(\d+)/,
  );
  await waitForFile(child, logFile, /Harbour is listening/);
  // The database on a core of its own (as in production, where it is another machine): it then
  // shares the load generator's core instead of the server's.
  if (process.env.BENCH_ENGINE_CORE && pinning().available) {
    spawnSync('taskset', ['-a', '-cp', process.env.BENCH_ENGINE_CORE, match[2] as string]);
  }
  const proc = wrap('harbour', child, () => rm(dataDir, { recursive: true, force: true }));
  return {
    ...proc,
    baseUrl: `http://127.0.0.1:${port}`,
    databaseUri: `mongodb://127.0.0.1:${match[1]}/harbour`,
    enginePid: Number(match[2]),
  };
}

/** A baseline server (tests/bench/baselines/<name>.ts) on the server core. */
export async function startBaseline(
  name: 'express-ejs' | 'raw-socketio',
  env: Record<string, string> = {},
): Promise<Proc & { baseUrl: string }> {
  const port = await freePort();
  const pin = pinning().server;
  const argv = [
    ...pin,
    process.execPath,
    '--expose-gc',
    '--import',
    pathToFileURL(require.resolve('tsx')).href,
    join(__dirname, '..', 'baselines', `${name}.ts`),
  ];
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HARBOUR_BENCH_STATS: '1',
      ...env,
    },
  });
  await waitFor(child, name, /listening/);
  return { ...wrap(name, child), baseUrl: `http://127.0.0.1:${port}` };
}

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}
