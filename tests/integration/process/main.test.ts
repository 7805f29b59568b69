import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { RECONNECT_AFTER_MS } from '../../../server/shutdown';
import { testDatabaseUri } from '../../helpers/db';
import { TEST_PASSWORD_PEPPER } from '../../helpers/deps';
import { TEST_PASSWORD, createUser } from '../../helpers/factories';
import { signIn, socketFor } from '../../helpers/test-app';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `server/main.ts` as `npm start` would (through tsx instead of a build). */
function startServer(env: Record<string, string>): Started {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'harbour-main-')),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor<T>(read: () => T | undefined, ms: number): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('the server process', () => {
  it('stops with one clear line on a bad configuration', async () => {
    const started = startServer({ PORT: 'eighty' });
    const { code } = await started.exited;
    expect(code).toBe(1);
    expect(started.stderr().trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: PORT /),
    ]);
  }, 20_000);

  it('prints the first-run link, serves, and on SIGTERM tells sockets and exits 0 within 10 s', async () => {
    const uri = testDatabaseUri('process-main');
    const started = startServer({ MONGODB_URI: uri, PASSWORD_PEPPER: TEST_PASSWORD_PEPPER });
    await mongoose.connect(uri);
    try {
      const port = await waitFor(() => {
        const m = /"port":(\d+),"url":"[^"]*","msg":"Harbour is listening"/.exec(started.stdout());
        return m ? Number(m[1]) : undefined;
      }, 20_000);
      const link = await waitFor(
        () => /\/setup\/[A-Za-z0-9_-]{43}/.exec(started.stdout())?.[0],
        5_000,
      );
      const baseUrl = `http://127.0.0.1:${port}`;
      await request(baseUrl).get('/readyz').expect(200);
      await request(baseUrl).get(link).expect(200);

      const member = await createUser();
      const socket = await socketFor(await signIn(baseUrl, member.email, TEST_PASSWORD));
      const told = new Promise((resolve) => socket.once('server:shutdown', resolve));

      const t0 = Date.now();
      started.child.kill('SIGTERM');
      await expect(told).resolves.toEqual({ reconnectAfterMs: RECONNECT_AFTER_MS });
      socket.close();
      const { code } = await started.exited;
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(started.stdout()).toContain('"msg":"stopped"');
    } finally {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
      await mongoose.disconnect();
    }
  }, 40_000);
});
