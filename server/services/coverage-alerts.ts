// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  Group,
  Membership,
  Post,
  QueueAlert,
  User,
  type GroupDoc,
  type PostDoc,
  type QueueAlertDoc,
} from '../../models';
import type { Deps } from '../deps';
import { isOpen } from './business-hours';
import { addCoveredMinutes, isCovered, nextOnRota, onDutyNow } from './coverage';
import { loadCoverage, type Coverage } from './coverage-load';
import { withLease } from './jobs';
import { createNotifications, type NewNotification } from './notifications';

/**
 * Who is alerted about waiting posts, and when. A new queue item alerts the moderators on duty
 * (the rota's, plus the whole team during business hours); a crisis post outside covered hours
 * alerts every moderator and administrator at once (threat posts already do, in posts.ts). A post
 * still waiting when its target has passed in covered time alerts the next person on the rota
 * and the group's advocates, once. E-mail goes through the notification delivery (each person's
 * e-mail choice; the e-mail says something is waiting, never what).
 */
export const COVERAGE_JOB = 'coverage-targets';

async function activeWithRole(groupId: Types.ObjectId, role: 'moderator' | 'advocate') {
  const rows = await Membership.find({ group: groupId, status: 'active', roles: role })
    .select({ user: 1 })
    .lean();
  return rows.map((m) => String(m.user));
}

async function siteAdmins(): Promise<string[]> {
  const admins = await User.find({ siteRole: 'admin', status: 'active' }).select({ _id: 1 }).lean();
  return admins.map((a) => String(a._id));
}

export interface QueueAlertInput {
  group: GroupDoc;
  post: PostDoc;
  authorId: string;
  crisis: boolean;
  threat: boolean;
  /** The group's coverage when the caller has it already (saves reading it twice). */
  coverage?: Promise<Coverage>;
}

/** Alerts for a post that has just entered the queue; starts its waiting-target watch. */
export async function alertNewQueueItem(deps: Deps, input: QueueAlertInput): Promise<string[]> {
  const { group, post } = input;
  const now = deps.clock.now();
  const { hours, slots, moderatorIds: moderators } = await (input.coverage ?? loadCoverage(group));
  const urgent = input.crisis || input.threat;
  let recipients: string[];
  if (isCovered(hours, slots, now)) {
    // Business hours are the whole team's promise; outside them the rota names who is on duty.
    recipients = isOpen(hours, now)
      ? [...new Set([...moderators, ...onDutyNow(hours, slots, now)])]
      : onDutyNow(hours, slots, now);
  } else if (input.crisis && !input.threat) {
    // Threats alert everyone already (threat_alert); a crisis post must not wait for Monday.
    recipients = [...new Set([...moderators, ...(await siteAdmins())])];
  } else {
    recipients = [];
  }
  recipients = recipients.filter((id) => id !== input.authorId);
  const groupId = String(group._id);
  const notes: NewNotification[] = recipients.map((userId) => ({
    userId,
    kind: 'queue_item',
    groupId,
    postId: String(post._id),
    data: { groupSlug: group.slug, groupName: group.name, priority: post.lane === 'priority' },
  }));
  const target = urgent
    ? (group.settings?.crisisTargetMinutes ?? 5)
    : (group.settings?.responseTargetMinutes ?? 30);
  const watch = async () => {
    try {
      await QueueAlert.create({
        post: post._id,
        group: group._id,
        version: post.version,
        priority: urgent || post.lane === 'priority',
        createdAt: now,
        dueAt: addCoveredMinutes(hours, slots, now, target),
        alerted: recipients.map((id) => new Types.ObjectId(id)),
      });
    } catch (error) {
      // Same post and version twice (a retried call): the first watch stands.
      if ((error as { code?: unknown }).code !== 11000) throw error;
    }
  };
  // Independent writes: one journal flush for both.
  await Promise.all([createNotifications(deps, notes), watch()]);
  deps.log.info(
    { event: 'coverage.alerted', groupId, postId: String(post._id), count: recipients.length },
    'queue item alert',
  );
  return recipients;
}

export interface TargetCheck {
  checked: number;
  escalated: number;
  closed: number;
}

/** Escalates each waiting post whose target has passed (once), and closes decided ones. */
export async function checkWaitingTargets(deps: Deps): Promise<TargetCheck> {
  const now = deps.clock.now();
  const due = await QueueAlert.find({
    escalatedAt: null,
    closedAt: null,
    dueAt: trusted({ $lte: now }),
  })
    .sort({ dueAt: 1 })
    .limit(200)
    .lean<QueueAlertDoc[]>();
  const result: TargetCheck = { checked: due.length, escalated: 0, closed: 0 };
  for (const alert of due) {
    // privileged read: status and author only, for the coverage job
    const post = await Post.findById(alert.post)
      .select({ status: 1, author: 1, lane: 1 })
      .lean<PostDoc>();
    if (!post || post.status !== 'pending') {
      await QueueAlert.updateOne({ _id: alert._id, closedAt: null }, { $set: { closedAt: now } });
      result.closed += 1;
      continue;
    }
    const group = await Group.findById(alert.group).lean<GroupDoc>();
    if (!group) continue;
    const { hours, slots } = await loadCoverage(group);
    const current = onDutyNow(hours, slots, now);
    const next = nextOnRota(hours, slots, now, current);
    const advocates = await activeWithRole(group._id, 'advocate');
    const recipients = [...new Set([...next, ...advocates])].filter(
      (id) => id !== String(post.author),
    );
    const taken = await QueueAlert.findOneAndUpdate(
      { _id: alert._id, escalatedAt: null },
      {
        $set: {
          escalatedAt: now,
          escalatedTo: recipients.map((id) => new Types.ObjectId(id)),
        },
      },
    );
    if (!taken) continue; // another instance escalated it first
    await createNotifications(
      deps,
      recipients.map((userId) => ({
        userId,
        kind: 'queue_waiting',
        groupId: String(group._id),
        postId: String(post._id),
        data: { groupSlug: group.slug, groupName: group.name, priority: alert.priority ?? false },
      })),
    );
    result.escalated += 1;
    deps.log.warn(
      { event: 'coverage.escalated', groupId: String(group._id), postId: String(post._id) },
      'waiting target passed',
    );
  }
  return result;
}

/**
 * One run under the database lease: with several instances, only one checks at a time. (The
 * scheduler runs `checkWaitingTargets` inside its own leased, recorded job; this is for callers
 * outside it.)
 */
export async function runCoverageJob(deps: Deps): Promise<TargetCheck | null> {
  const result = await withLease(deps, COVERAGE_JOB, 60_000, () => checkWaitingTargets(deps));
  return result.ran ? (result.value ?? null) : null;
}
