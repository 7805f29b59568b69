import mongoose from 'mongoose';
import { AuditEvent, Invitation, JobRun, Lease, Notification, Post } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import { recordAudit, verifyAuditChain } from '../../../server/services/audit';
import { withLease } from '../../../server/services/jobs';
import {
  RETENTION_JOB,
  runRetention,
  scheduledJobStatus,
} from '../../../server/services/retention';
import { schedulerTick } from '../../../server/services/scheduler';
import { createServices } from '../../../server/services';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { createGroupWithPeople } from '../../helpers/factories';

/** Retention on schedule (ManualClock), failures surfaced, and the single-runner lease. */
const deps = testDeps({
  RETENTION_REJECTED_POSTS_DAYS: '90',
  RETENTION_WITHDRAWN_POSTS_DAYS: '30',
  RETENTION_EXPIRED_INVITATIONS_DAYS: '30',
  RETENTION_NOTIFICATIONS_DAYS: '180',
  RETENTION_AUDIT_DETAIL_DAYS: '365',
});
const services = createServices(deps);
const DAY = 86_400_000;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('privacy-retention'));
  await Lease.init();
});
afterAll(async () => {
  await mongoose.disconnect();
});

describe('lease', () => {
  it('two concurrent runners: exactly one runs', async () => {
    let runs = 0;
    const slow = async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 100));
      return 'done';
    };
    const results = await Promise.all([
      withLease(deps, 'test-job', 60_000, slow),
      withLease(deps, 'test-job', 60_000, slow),
      withLease(deps, 'test-job', 60_000, slow),
    ]);
    expect(runs).toBe(1);
    expect(results.filter((r) => r.ran)).toHaveLength(1);
    // Released afterwards: the next run goes ahead.
    expect((await withLease(deps, 'test-job', 60_000, slow)).ran).toBe(true);
  });

  it('an expired lease (a crashed holder) can be taken over', async () => {
    await Lease.create({
      name: 'crashed-job',
      holder: 'gone',
      takenAt: deps.clock.now(),
      expiresAt: new Date(deps.clock.now().getTime() + 60_000),
    });
    expect((await withLease(deps, 'crashed-job', 60_000, async () => 1)).ran).toBe(false);
    deps.clock.advance(61_000);
    expect((await withLease(deps, 'crashed-job', 60_000, async () => 1)).ran).toBe(true);
  });
});

describe('retention', () => {
  it('purges what is past its period, keeps the rest, and the audit chain still verifies', async () => {
    deps.clock.set(new Date('2026-01-01T10:00:00Z'));
    const { group, member, moderator } = await createGroupWithPeople();
    const start = deps.clock.now();
    const post = (status: 'rejected' | 'withdrawn' | 'approved', i: number) => ({
      group: group._id,
      author: member._id,
      body: `old ${status}`,
      status,
      idempotencyKey: `${status}-${i}-${Date.now()}`,
      submittedAt: start,
    });
    const [rejected, withdrawn, approved] = await Post.create([
      post('rejected', 1),
      post('withdrawn', 2),
      post('approved', 3),
    ]);
    const invitation = await Invitation.create({
      group: group._id,
      createdBy: moderator._id,
      kind: 'link',
      tokenHash: `hash-${Date.now()}`,
      expiresAt: start,
      maxUses: 1,
      usesLeft: 1,
    });
    await Notification.create({ user: member._id, kind: 'reply', createdAt: start });
    const audited = await recordAudit(deps, {
      key: `retention-test-${Date.now()}`,
      action: 'membership.removed',
      actor: moderator._id,
      group: group._id,
      targetType: 'user',
      targetId: member._id,
      reason: 'Staff reason to be purged',
      meta: { roles: ['member'] },
    });

    // 40 days on: withdrawn and the expired invitation go; the rejected post stays (90 days).
    deps.clock.set(new Date(start.getTime() + 40 * DAY));
    // Posts' updatedAt comes from the real time of the test: move it to the seeded start.
    await Post.collection.updateMany(
      { _id: { $in: [rejected!._id, withdrawn!._id, approved!._id] } },
      { $set: { updatedAt: start } },
    );
    let run = await runRetention(deps);
    expect(run).toMatchObject({ ran: true, ok: true });
    expect(run.counts).toMatchObject({
      withdrawnPosts: 1,
      expiredInvitations: 1,
      rejectedPosts: 0,
    });
    expect(await Post.exists({ _id: withdrawn!._id })).toBeNull();
    expect(await Post.exists({ _id: rejected!._id })).not.toBeNull();
    expect(await Invitation.exists({ _id: invitation._id })).toBeNull();

    deps.clock.set(new Date(start.getTime() + 400 * DAY));
    run = await runRetention(deps);
    expect(run.counts).toMatchObject({ rejectedPosts: 1, notifications: 1 });
    expect(run.counts?.auditDetails).toBeGreaterThanOrEqual(1);
    expect(await Post.exists({ _id: approved!._id })).not.toBeNull();
    const purged = await AuditEvent.findById(audited._id).lean();
    expect(purged?.reason).toBeUndefined();
    expect(purged?.meta).toBeUndefined();
    expect(purged?.detailPurgedAt).toBeInstanceOf(Date);
    expect(purged?.action).toBe('membership.removed');
    expect(await verifyAuditChain()).toBeNull();
    // Tampering with a detail that is still there is still detected.
    const fresh = await recordAudit(deps, {
      key: `retention-fresh-${Date.now()}`,
      action: 'x.y',
      actor: null,
      group: null,
      targetType: 't',
      targetId: 'i',
      reason: 'Original',
    });
    await AuditEvent.collection.updateOne({ _id: fresh._id }, { $set: { reason: 'Changed' } });
    expect(await verifyAuditChain()).toBe(fresh.seq);
    await AuditEvent.collection.updateOne({ _id: fresh._id }, { $set: { reason: 'Original' } });

    const status = await scheduledJobStatus();
    expect(status.find((s) => s.name === RETENTION_JOB)).toMatchObject({ ok: true });
  });

  it('runs once a day from the scheduler, and a failure is recorded for the admin page', async () => {
    deps.clock.set(new Date('2027-06-01T10:00:00Z'));
    await schedulerTick(deps, services);
    const first = await JobRun.countDocuments({ name: RETENTION_JOB });
    deps.clock.advance(3_600_000);
    await schedulerTick(deps, services);
    expect(await JobRun.countDocuments({ name: RETENTION_JOB })).toBe(first); // not due yet
    deps.clock.advance(DAY);
    await schedulerTick(deps, services);
    expect(await JobRun.countDocuments({ name: RETENTION_JOB })).toBe(first + 1);

    deps.clock.advance(DAY);
    const failed = await runRetention(deps, async () => {
      throw new Error('database unavailable');
    });
    expect(failed).toMatchObject({ ran: true, ok: false, error: 'database unavailable' });
    const status = await scheduledJobStatus();
    expect(status.find((s) => s.name === RETENTION_JOB)).toMatchObject({
      ok: false,
      error: 'database unavailable',
    });
  });
});
