import { spawn } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A throw-away Redis for local proof and tests: loopback only, nothing saved to disk (Harbour
 * keeps no data in Redis; it only carries Socket.IO broadcasts between instances).
 */
export interface LocalRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** A port the system reports free right now (tiny race with other processes; callers retry). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startLocalRedis(
  opts: { binary?: string; timeoutMs?: number } = {},
): Promise<LocalRedis> {
  const binary = opts.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let spawnError: Error | null = null;
    child.once('error', (error) => (spawnError = error));

    const until = Date.now() + (opts.timeoutMs ?? 10_000);
    let up = false;
    while (Date.now() < until && child.exitCode === null && !spawnError) {
      if (await canConnect(port)) {
        up = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (up) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        pid: child.pid ?? 0,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    child.kill('SIGKILL');
    if (spawnError) throw new Error(`Could not start ${binary}: ${(spawnError as Error).message}`);
    // Most likely someone took the port between the probe and the start: try another one.
    if (attempt >= 3) throw new Error(`redis-server did not start: ${stderr.trim()}`);
  }
}
