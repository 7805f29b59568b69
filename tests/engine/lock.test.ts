import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, DataDirLockedError, LOCK_FILE } from '../../server/database/embedded/lock';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harbour-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

describe('data directory lock', () => {
  it('refuses a second engine, naming the holder by pid and port', async () => {
    const lock = await acquireLock(dir);
    await lock.update({ host: '127.0.0.1', port: 27123 });

    const second = acquireLock(dir);
    await expect(second).rejects.toThrow(DataDirLockedError);
    await expect(acquireLock(dir)).rejects.toThrow(`pid ${process.pid}`);
    await expect(acquireLock(dir)).rejects.toThrow('port 27123');

    await lock.release();
    const again = await acquireLock(dir);
    await again.release();
  });

  it('takes over a lock left by an engine that is no longer running', async () => {
    const pid = await deadPid();
    const stale = {
      pid,
      hostname: hostname(),
      host: '127.0.0.1',
      port: 27999,
      startedAt: '2026-01-01T00:00:00.000Z',
    };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(stale));

    const lock = await acquireLock(dir);
    const now = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(now.pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to a different process', async () => {
    // Same pid as a running process (this one), but a process start time that does not match.
    const reused = {
      pid: process.pid,
      hostname: hostname(),
      host: null,
      port: 27017,
      startedAt: '2026-01-01T00:00:00.000Z',
      bootId: null,
      procStart: '1',
    };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(reused));
    const lock = await acquireLock(dir);
    await lock.release();
  });

  it('takes over an empty lock file left by an engine that died while creating it', async () => {
    await writeFile(join(dir, LOCK_FILE), '');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, LOCK_FILE), old, old);
    const lock = await acquireLock(dir);
    await lock.release();
  });

  it('lets only one of two engines racing for the same stale lock win', async () => {
    const pid = await deadPid();
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, hostname: hostname(), startedAt: 'x' }),
    );
    const results = await Promise.allSettled([acquireLock(dir), acquireLock(dir)]);
    // Both racers are this process, so the loser sees a live holder and is refused.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });
});
