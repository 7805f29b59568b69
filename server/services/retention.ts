// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted } from 'mongoose';
import { AuditEvent, Invitation, JobRun, Notification, Post } from '../../models';
import type { Deps } from '../deps';
import { ANNOUNCEMENTS_JOB } from './announcements';
import { latestJobRuns, runRecordedJob, type JobCounts } from './jobs';

/**
 * Retention: records kept no longer than needed are purged by a daily job (under a lease, so one
 * instance runs it), which records counts only. Periods come from configuration (0: keep).
 *
 * Audit events themselves are never deleted (the chain must stay complete); after the period
 * only their `reason` and `meta` are dropped. The chain covers a digest of those fields, stored
 * with the event, so it still verifies (server/services/audit.ts).
 */

const DAY_MS = 86_400_000;
export const RETENTION_JOB = 'retention';
export const DIGEST_JOB = 'notifications';
export const EXPORTS_JOB = 'exports';
const JOB_RUNS_DAYS = 7;

export async function purgeExpired(deps: Deps): Promise<JobCounts> {
  const r = deps.config.retention;
  const now = deps.clock.now().getTime();
  const before = (days: number) => trusted({ $lte: new Date(now - days * DAY_MS) });
  const counts: JobCounts = {
    rejectedPosts: 0,
    withdrawnPosts: 0,
    expiredInvitations: 0,
    notifications: 0,
    auditDetails: 0,
  };
  if (r.rejectedPostsDays > 0) {
    // Replies and reactions point at approved posts only, so nothing dangles.
    const res = await Post.deleteMany({
      status: 'rejected',
      updatedAt: before(r.rejectedPostsDays),
    });
    counts.rejectedPosts = res.deletedCount;
  }
  if (r.withdrawnPostsDays > 0) {
    const res = await Post.deleteMany({
      status: 'withdrawn',
      updatedAt: before(r.withdrawnPostsDays),
    });
    counts.withdrawnPosts = res.deletedCount;
  }
  if (r.expiredInvitationsDays > 0) {
    const res = await Invitation.deleteMany({ expiresAt: before(r.expiredInvitationsDays) });
    counts.expiredInvitations = res.deletedCount;
  }
  if (r.notificationsDays > 0) {
    const res = await Notification.deleteMany({ createdAt: before(r.notificationsDays) });
    counts.notifications = res.deletedCount;
  }
  if (r.auditDetailDays > 0) {
    const res = await AuditEvent.updateMany(
      {
        at: before(r.auditDetailDays),
        detailPurgedAt: null,
        detailDigest: trusted({ $exists: true }),
      },
      { $unset: { reason: 1, meta: 1 }, $set: { detailPurgedAt: deps.clock.now() } },
    );
    counts.auditDetails = res.modifiedCount;
  }
  // The scheduler's own run records (counts only): a week is enough to see what happened.
  const runs = await JobRun.deleteMany({ startedAt: before(JOB_RUNS_DAYS) });
  counts.jobRuns = runs.deletedCount;
  return counts;
}

/** Runs retention now, under its lease; the outcome (counts or failure) is recorded. */
export function runRetention(deps: Deps, purge: (d: Deps) => Promise<JobCounts> = purgeExpired) {
  return runRecordedJob(deps, RETENTION_JOB, 30 * 60_000, () => purge(deps));
}

export interface JobStatusView {
  name: string;
  at: string | null;
  ok: boolean | null;
  summary: string;
  error: string | null;
}

/** For the administrators' page: the last run of each scheduled job. */
export async function scheduledJobStatus(): Promise<JobStatusView[]> {
  const names = [RETENTION_JOB, DIGEST_JOB, EXPORTS_JOB, ANNOUNCEMENTS_JOB];
  const runs = await latestJobRuns(names);
  return names.map((name) => {
    const run = runs.get(name);
    return {
      name,
      at: run ? run.startedAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : null,
      ok: run ? run.ok : null,
      summary: run
        ? Object.entries((run.counts ?? {}) as Record<string, number>)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')
        : '',
      error: run?.error ?? null,
    };
  });
}
