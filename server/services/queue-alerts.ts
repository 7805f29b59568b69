// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted } from 'mongoose';
import { Group, Membership, Post, SentAlert, type GroupDoc } from '../../models';
import type { Deps } from '../deps';
import { addReviewMinutes, DEFAULT_HOURS } from './business-hours';
import { createNotifications } from './notifications';

/**
 * Waiting-time alerts for moderators: once a pending post has waited longer than its group's
 * target in review time (time outside business hours does not count), the group's moderators are
 * told once. Run by the scheduler under its lease.
 */
export async function sendWaitingAlerts(deps: Deps): Promise<{ waitingAlerts: number }> {
  const now = deps.clock.now();
  // privileged read: ids, lanes and times of pending posts (no text), for moderators' alerts
  const pending = await Post.find({ status: 'pending' })
    .select({ group: 1, lane: 1, submittedAt: 1 })
    .limit(5000)
    .lean();
  if (pending.length === 0) return { waitingAlerts: 0 };
  const groupIds = [...new Set(pending.map((p) => String(p.group)))];
  const groups = await Group.find({ _id: trusted({ $in: groupIds }) }).lean<GroupDoc[]>();
  const byId = new Map(groups.map((g) => [String(g._id), g]));
  let sent = 0;
  for (const post of pending) {
    const group = byId.get(String(post.group));
    if (!group) continue;
    const target =
      post.lane === 'priority'
        ? (group.settings?.crisisTargetMinutes ?? 5)
        : (group.settings?.responseTargetMinutes ?? 30);
    const hours = group.businessHours?.timeZone ? group.businessHours : DEFAULT_HOURS;
    const lateAt = addReviewMinutes(hours, post.submittedAt, target);
    if (!lateAt || lateAt > now) continue;
    try {
      await SentAlert.create({ key: `queue_waiting:${String(post._id)}`, at: now });
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) continue; // told already
      throw error;
    }
    const moderators = await Membership.find({
      group: group._id,
      status: 'active',
      roles: 'moderator',
    })
      .select({ user: 1 })
      .lean();
    await createNotifications(
      deps,
      moderators.map((m) => ({
        userId: m.user,
        kind: 'queue_waiting' as const,
        groupId: group._id,
        postId: post._id,
        data: { groupSlug: group.slug, groupName: group.name },
      })),
    );
    sent += 1;
  }
  return { waitingAlerts: sent };
}
