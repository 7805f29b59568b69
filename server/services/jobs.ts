import { randomBytes } from 'node:crypto';
// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted } from 'mongoose';
import { JobRun, Lease, type JobRunDoc } from '../../models';
import type { Deps } from '../deps';

/**
 * Scheduled work that must run on exactly one instance at a time. A lease is one document per
 * job name; taking it is a single conditional upsert: "update the lease if it has expired, or
 * insert it if there is none". When another instance holds an unexpired lease the filter matches
 * nothing, the upsert tries to insert a second document with the same name, and the unique index
 * refuses it (E11000): that instance skips the run. No transactions needed.
 */

function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
  );
}

export interface LeaseResult<T> {
  ran: boolean;
  value?: T;
}

const processHolder = randomBytes(6).toString('hex');

/**
 * Runs `fn` only if this caller takes the lease `name` for `ttlMs`; releases it afterwards. The
 * TTL bounds how long a crashed holder blocks others, so pick it above the job's longest run.
 */
export async function withLease<T>(
  deps: Pick<Deps, 'clock' | 'config'>,
  name: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<LeaseResult<T>> {
  // Unique per call, so two runners in one process are as separate as two instances.
  const holder = `${deps.config.instanceId}:${processHolder}:${randomBytes(4).toString('hex')}`;
  const now = deps.clock.now();
  await Lease.init();
  try {
    const taken = await Lease.findOneAndUpdate(
      { name, expiresAt: trusted({ $lte: now }) },
      { $set: { holder, takenAt: now, expiresAt: new Date(now.getTime() + ttlMs) } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    if (!taken || taken.holder !== holder) return { ran: false };
  } catch (error) {
    if (isDuplicateKeyError(error)) return { ran: false };
    throw error;
  }
  try {
    return { ran: true, value: await fn() };
  } finally {
    // Released by expiring it now; only our own lease (a late finisher must not free another's).
    await Lease.updateOne({ name, holder }, { $set: { expiresAt: new Date(0) } });
  }
}

export type JobCounts = Record<string, number>;

/**
 * Runs a named job under its lease and records the outcome (counts only). A failure is stored
 * and logged, never thrown into the scheduler loop; the administrators' page shows it.
 */
export async function runRecordedJob(
  deps: Deps,
  name: string,
  ttlMs: number,
  fn: () => Promise<JobCounts>,
): Promise<{ ran: boolean; ok: boolean; counts?: JobCounts; error?: string }> {
  const startedAt = deps.clock.now();
  try {
    const result = await withLease(deps, name, ttlMs, fn);
    if (!result.ran) return { ran: false, ok: true };
    await JobRun.create({
      name,
      startedAt,
      finishedAt: deps.clock.now(),
      ok: true,
      counts: result.value ?? {},
    });
    deps.log.info({ job: name, counts: result.value }, 'scheduled job done');
    return { ran: true, ok: true, counts: result.value };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    deps.log.error({ job: name, err: message }, 'scheduled job failed');
    await JobRun.create({
      name,
      startedAt,
      finishedAt: deps.clock.now(),
      ok: false,
      error: message,
    }).catch(() => undefined);
    return { ran: true, ok: false, error: message };
  }
}

/** The latest run of each named job, for the administrators' page. */
export async function latestJobRuns(names: string[]): Promise<Map<string, JobRunDoc>> {
  const runs = await Promise.all(
    names.map((name) => JobRun.findOne({ name }).sort({ startedAt: -1 }).lean<JobRunDoc>()),
  );
  const map = new Map<string, JobRunDoc>();
  runs.forEach((r, i) => {
    if (r) map.set(names[i] as string, r);
  });
  return map;
}

/** The last successful run (to decide whether a daily job is due). */
export async function lastSuccessfulRun(name: string): Promise<Date | null> {
  const run = await JobRun.findOne({ name, ok: true }).sort({ startedAt: -1 }).lean<JobRunDoc>();
  return run?.startedAt ?? null;
}
