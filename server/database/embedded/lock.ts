/**
 * The data directory's lock file (like mongod.lock): one engine per directory, because two
 * engines appending to the same journal would corrupt it.
 *
 * The lock is a file created with O_EXCL holding the owner's pid, host name, port and start time.
 * A lock whose owner is gone (no such pid, a pid reused by another process, or a reboot since)
 * is stale and taken over.
 */
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK_FILE = 'engine.lock';

export interface LockInfo {
  pid: number;
  hostname: string;
  host: string | null;
  port: number | null;
  startedAt: string;
  /** Linux boot id and process start time: tell a live owner from a reused pid. */
  bootId: string | null;
  procStart: string | null;
}

export interface DataDirLock {
  readonly path: string;
  /** Records where the engine listens, for the message a second engine shows. */
  update(fields: { host: string; port: number }): Promise<void>;
  release(): Promise<void>;
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    message: string,
    readonly holder: LockInfo,
  ) {
    super(message);
  }
}

function readQuiet(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
function procStartOf(pid: number): string | null {
  const line = readQuiet(`/proc/${pid}/stat`);
  if (line === null) return null;
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

function currentBootId(): string | null {
  return readQuiet('/proc/sys/kernel/random/boot_id');
}

function ownerIsAlive(info: LockInfo): boolean {
  // Another machine's process cannot be checked from here: assume it is running.
  if (info.hostname !== hostname()) return true;
  const bootId = currentBootId();
  if (info.bootId !== null && bootId !== null && info.bootId !== bootId) return false;
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: the process exists but belongs to someone else.
  }
  const procStart = procStartOf(info.pid);
  if (info.procStart !== null && procStart !== null && info.procStart !== procStart) return false;
  return true;
}

function describe(holder: LockInfo, path: string): string {
  const where = holder.port === null ? 'not listening yet' : `port ${holder.port}`;
  const host = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
  return (
    `The data directory is in use by another Harbour database engine (pid ${holder.pid}${host}, ${where}, ` +
    `started ${holder.startedAt}). Stop that engine or choose another HARBOUR_DB_DIR. ` +
    `If you are sure no engine is running there, delete ${path}.`
  );
}

function parse(text: string): LockInfo | null {
  try {
    const info = JSON.parse(text) as Partial<LockInfo>;
    if (typeof info.pid !== 'number' || typeof info.hostname !== 'string') return null;
    return {
      pid: info.pid,
      hostname: info.hostname,
      host: info.host ?? null,
      port: info.port ?? null,
      startedAt: String(info.startedAt),
      bootId: info.bootId ?? null,
      procStart: info.procStart ?? null,
    };
  } catch {
    return null;
  }
}

async function writeNew(path: string, info: object): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(JSON.stringify(info));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function acquireLock(dir: string): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    host: null,
    port: null,
    startedAt: new Date().toISOString(),
    bootId: currentBootId(),
    procStart: procStartOf(process.pid),
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await writeNew(path, mine);
      return ownedLock(path, mine);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text === null) continue; // removed meanwhile: try again
    const holder = parse(text);
    if (holder === null) {
      // Empty or partial: either its owner is writing it right now or died while doing so.
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age < 2000) {
        await sleep(50);
        continue;
      }
    } else if (ownerIsAlive(holder)) {
      throw new DataDirLockedError(describe(holder, path), holder);
    }
    await takeOver(path, text);
  }
  throw new Error(`could not take the lock file ${path}`);
}

/**
 * Removes a stale lock, guarded by a second O_EXCL file so that two engines taking over the same
 * stale lock cannot both remove it (one would delete the other's fresh lock).
 */
async function takeOver(path: string, staleText: string): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await writeNew(guard, { pid: process.pid });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = Date.now() - (await stat(guard).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > 10_000) await unlink(guard).catch(() => undefined); // its taker died
    await sleep(50);
    return;
  }
  try {
    const now = await readFile(path, 'utf8').catch(() => null);
    if (now === staleText) await unlink(path);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function ownedLock(path: string, mine: LockInfo): DataDirLock {
  let current = mine;
  const stillMine = async (): Promise<boolean> => {
    const text = await readFile(path, 'utf8').catch(() => null);
    const info = text === null ? null : parse(text);
    return info !== null && info.pid === mine.pid && info.startedAt === mine.startedAt;
  };
  return {
    path,
    async update(fields) {
      current = { ...current, ...fields };
      const tmp = `${path}.${process.pid}.new`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify(current));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    },
    async release() {
      if (await stillMine()) await unlink(path);
    },
  };
}
