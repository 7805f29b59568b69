/**
 * Runs the embedded engine as a child process, so its work (and its fsyncs) never share the
 * app's event loop, and a crash of one does not take the other's memory with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface StartEngineOptions {
  dataDir: string;
  /** Default 127.0.0.1: the engine has no authentication, so it stays on loopback. */
  host?: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  /** Extra environment for the engine (e.g. HARBOUR_DB_COMPACT_BYTES). */
  env?: Record<string, string>;
  /** Receives the engine's JSON log lines. */
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

export interface EmbeddedEngine {
  /** Base URI, without a database name. */
  uri: string;
  port: number;
  pid: number;
  /** Settles when the engine process has exited, however that happened. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it has not exited within stopTimeoutMs. */
  stop(): Promise<void>;
}

/** How to run main: compiled JS next to this file, or the TypeScript source through tsx. */
function engineCommand(): string[] {
  if (__filename.endsWith('.js')) return [join(__dirname, 'main.js')];
  const mainTs = join(__dirname, 'main.ts');
  if (!existsSync(mainTs)) throw new Error(`embedded engine entry point not found: ${mainTs}`);
  // tsx's CommonJS hook only (our modules compile to CommonJS): it starts ~200 ms faster than
  // `--import tsx`, which also spins up the ESM loader thread. An absolute path, so the child
  // finds tsx whatever its working directory is.
  return ['--require', require.resolve('tsx/cjs'), mainTs];
}

export async function startEmbeddedEngine(opts: StartEngineOptions): Promise<EmbeddedEngine> {
  const host = opts.host ?? '127.0.0.1';
  // A V8 CPU profile of the engine, written when it stops (what `BENCH_CPU_PROF` of the bench uses).
  const profileDir = process.env.HARBOUR_DB_CPU_PROF_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, ...engineCommand()], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...opts.env,
      HARBOUR_DB_DIR: opts.dataDir,
      HARBOUR_DB_HOST: host,
      HARBOUR_DB_PORT: String(opts.port ?? 0),
      HARBOUR_DB_WATCH_STDIN: '1',
    },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  // Keep the last few KB of stderr for error messages; both streams must always be drained, or a
  // full pipe would block the engine.
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-8192);
  });

  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    let ready = false;
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      const detail = stderrTail.trim();
      reject(new Error(`The embedded database engine ${why}.${detail ? `\n${detail}` : ''}`));
    };
    const timeoutMs = opts.readyTimeoutMs ?? 30_000;
    const timer = setTimeout(() => fail(`did not report ready within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err) => fail(`could not be started (${err.message})`));
    void exited.then(({ code, signal }) => {
      // Let stderr drain before reporting why it exited.
      if (!ready)
        setImmediate(() => fail(`exited before it was ready (code ${code}, signal ${signal})`));
    });
    lines.on('line', (line) => {
      if (!ready && line.startsWith('{"event":"engine_ready"')) {
        ready = true;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
      opts.onLog?.(line);
    });
  });

  const uriHost = host.includes(':') ? `[${host}]` : host;
  return {
    uri: `mongodb://${uriHost}:${port}`,
    port,
    pid: child.pid as number,
    exited,
    stop: () => stopChild(child, exited, opts.stopTimeoutMs ?? 10_000),
  };
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  if (await Promise.race([exited.then(() => false), timedOut])) {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
