import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEmbeddedEngine, type EmbeddedEngine } from '../database/embedded/process';
import { projectRoot } from '../paths';
import { startRoundRobinProxy, type RoundRobinProxy } from './proxy';
import { freePort, startLocalRedis, type LocalRedis } from './redis-server';

/**
 * The scale-out layout on one machine, for `npm run cluster`, the cluster tests and the
 * benchmarks: one database (the embedded engine, or MONGODB_URI), one Redis, N Harbour
 * processes with a shared SESSION_SECRET, and a round-robin proxy in front. Everything listens
 * on loopback only.
 */
export interface ClusterOptions {
  /** Number of app instances (default 3). */
  instances?: number;
  /** Use this database instead of starting the embedded engine (include the database name). */
  mongodbUri?: string;
  /** Use this Redis instead of starting a local redis-server. */
  redisUrl?: string;
  /** Start without Redis at all (each instance then only reaches its own sockets). */
  noRedis?: boolean;
  /** Port of the proxy (default: a free one). */
  proxyPort?: number;
  /** 'tsx' runs server/main.ts (default); 'dist' runs the build (`npm run build` first). */
  entry?: 'tsx' | 'dist';
  /** Extra environment for every instance (LOG_LEVEL, PASSWORD_PEPPER, NODE_ENV, ...). */
  env?: Record<string, string>;
  /** Each line an instance prints (JSON log lines and the first-run link). */
  onLine?: (instance: number, line: string) => void;
  /** Milliseconds to wait for each instance to be ready (default 60 s: tsx compiles on start). */
  readyTimeoutMs?: number;
}

export interface ClusterInstance {
  index: number;
  id: string;
  pid: number;
  url: string;
  alive: boolean;
  /** Everything the instance printed so far (last 256 KB). */
  output(): string;
}

export interface Cluster {
  proxyUrl: string;
  instanceUrls: string[];
  instances: ClusterInstance[];
  mongodbUri: string;
  redisUrl: string | null;
  sessionSecret: string;
  /** The first-run administrator link, if the database had no administrator. */
  setupLink: string | null;
  proxy: RoundRobinProxy;
  /** SIGKILLs instance i (no goodbye to its sockets) and waits for it to be gone. */
  kill(i: number): Promise<void>;
  /** SIGTERMs instance i (a graceful stop) and resolves with its exit code. */
  terminate(i: number): Promise<number | null>;
  /** Stops everything: instances (SIGTERM, then SIGKILL), proxy, Redis, the engine. */
  stop(): Promise<void>;
}

interface Running {
  info: ClusterInstance;
  child: ChildProcess;
  exited: Promise<void>;
}

function instanceCommand(entry: 'tsx' | 'dist'): string[] {
  const root = projectRoot();
  if (entry === 'dist') {
    const main = path.join(root, 'dist', 'server', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} not found: run npm run build first`);
    return [main];
  }
  return [
    '--import',
    pathToFileURL(require.resolve('tsx')).href,
    path.join(root, 'server', 'main.ts'),
  ];
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const count = opts.instances ?? 3;
  const workDir = mkdtempSync(path.join(tmpdir(), 'harbour-cluster-'));
  const running: Running[] = [];
  let engine: EmbeddedEngine | undefined;
  let redis: LocalRedis | undefined;
  let proxy: RoundRobinProxy | undefined;

  // If the caller's process ends abruptly, take the instances with it (the engine watches its
  // stdin and stops by itself).
  const killAll = () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(
      running.map(async (r) => {
        if (r.child.exitCode !== null || r.child.signalCode !== null) return;
        r.child.kill('SIGTERM');
        const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
        await r.exited;
        clearTimeout(timer);
      }),
    );
    await proxy?.close();
    await redis?.stop();
    await engine?.stop();
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    let mongodbUri = opts.mongodbUri;
    if (!mongodbUri) {
      engine = await startEmbeddedEngine({ dataDir: path.join(workDir, 'db') });
      mongodbUri = `${engine.uri}/harbour`;
    }
    let redisUrl: string | null = null;
    if (!opts.noRedis) {
      if (opts.redisUrl) redisUrl = opts.redisUrl;
      else {
        redis = await startLocalRedis();
        redisUrl = redis.url;
      }
    }
    // The proxy first: its address is every instance's PUBLIC_URL (origin checks, links).
    proxy = await startRoundRobinProxy({ port: opts.proxyPort });
    const sessionSecret = randomBytes(32).toString('hex');
    const command = instanceCommand(opts.entry ?? 'tsx');

    const start = (index: number, port: number): Running => {
      const id = `i${index + 1}`;
      const child = spawn(process.execPath, command, {
        cwd: projectRoot(),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NODE_ENV: 'development',
          LOG_LEVEL: 'info',
          ...opts.env,
          HOST: '127.0.0.1',
          PORT: String(port),
          PUBLIC_URL: proxy!.url,
          TRUST_PROXY: 'loopback',
          MONGODB_URI: mongodbUri!,
          ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
          INSTANCE_ID: id,
          SESSION_SECRET: sessionSecret,
          DATA_DIR: path.join(workDir, id),
        },
      });
      let output = '';
      let partial = '';
      const onData = (chunk: Buffer) => {
        const text = chunk.toString();
        output = (output + text).slice(-256 * 1024);
        partial += text;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) opts.onLine?.(index, line);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      const info: ClusterInstance = {
        index,
        id,
        pid: child.pid ?? 0,
        url: `http://127.0.0.1:${port}`,
        alive: true,
        output: () => output,
      };
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          info.alive = false;
          resolve();
        }),
      );
      return { info, child, exited };
    };

    // Fixed ports chosen up front (not PORT=0), so readiness does not depend on the log level.
    for (let i = 0; i < count; i++) running.push(start(i, await freePort()));
    const timeoutMs = opts.readyTimeoutMs ?? 60_000;
    await Promise.all(running.map((r) => waitListening(r, timeoutMs)));
    proxy.setBackends(
      running.map((r) => {
        const u = new URL(r.info.url);
        return { host: u.hostname, port: Number(u.port) };
      }),
    );
    // Each instance that starts before the first administrator exists prints a link and
    // replaces the previous one: keep the one that still works.
    let setupLink: string | null = null;
    for (const r of running) {
      // Token by token, with a pattern that cannot backtrack (the host holds no slash).
      const link = r.info
        .output()
        .split(/\s/)
        .find((word) => /^https?:\/\/[^/\s]+\/setup\/[A-Za-z0-9_-]{43}$/.test(word));
      if (link && (await statusOf(link)) === 200) setupLink = link;
    }

    return {
      proxyUrl: proxy.url,
      instanceUrls: running.map((r) => r.info.url),
      instances: running.map((r) => r.info),
      mongodbUri,
      redisUrl,
      sessionSecret,
      setupLink,
      proxy,
      async kill(i) {
        const r = running[i];
        if (!r) throw new Error(`no instance ${i}`);
        if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
        await r.exited;
      },
      async terminate(i) {
        const r = running[i];
        if (!r) throw new Error(`no instance ${i}`);
        if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
        await r.exited;
        return r.child.exitCode;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits for a 200 from the instance's /readyz (database and Redis both up). */
async function waitListening(r: Running, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!r.info.alive) {
      throw new Error(
        `instance ${r.info.id} exited during start:\n${r.info.output().slice(-4000)}`,
      );
    }
    if ((await statusOf(`${r.info.url}/readyz`)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`instance ${r.info.id} not ready in ${timeoutMs} ms:\n${r.info.output()}`);
}

/** The HTTP status of a GET, or 0 when nothing answers (node:http: works under Jest too). */
function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}
