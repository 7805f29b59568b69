// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  AuditEvent,
  Group,
  Membership,
  Post,
  type AppealDoc,
  type AuditEventDoc,
  type GroupDoc,
  type MembershipDoc,
  type PostDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { en } from '../i18n/en';
import { APPEALABLE_ACTIONS } from '../policies/moderation';
import type { ModerationService } from './moderation';

/**
 * Decisions about a member, as the audit events that recorded them (rejection, hide, mute,
 * suspension, removal), the views of them and of appeals, and what overturning one does.
 */
export const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));
export const t = () => en.toolkit;

export interface DecisionView {
  id: string;
  action: string;
  actionText: string;
  group: { name: string; slug: string };
  at: string;
  atText: string;
  ruleTitle: string | null;
  note: string | null;
  untilText: string | null;
  postBody: string | null;
  appeal: { status: string; outcome: string | null; outcomeNote: string | null } | null;
  canAppeal: boolean;
}

export interface AppealView {
  id: string;
  actionText: string;
  at: string;
  ruleTitle: string | null;
  decisionNote: string | null;
  statement: string;
  content: string | null;
  appellantName: string;
  assignedToMe: boolean;
  assignedName: string | null;
  decidedByName: string | null;
  canDecide: boolean;
  status: string;
  outcome: string | null;
  outcomeNote: string | null;
}

export function ruleTitle(group: GroupDoc | undefined, ruleId: string | null | undefined) {
  if (!ruleId) return null;
  return (group?.rules ?? []).find((r) => r.ruleId === ruleId)?.title ?? ruleId;
}

/** The decision audit events about one person's posts and memberships. */
export async function decisionsAbout(userId: Types.ObjectId) {
  // privileged read: the member's own posts that were decided against
  const posts = await Post.find({
    author: userId,
    'history.action': trusted({ $in: ['rejected', 'hidden'] }),
  })
    .select({ body: 1, decision: 1, status: 1, group: 1 })
    .lean<PostDoc[]>();
  const memberships = await Membership.find({ user: userId })
    .select({ _id: 1, group: 1 })
    .lean<MembershipDoc[]>();
  const or: Record<string, unknown>[] = [];
  if (posts.length) {
    or.push({ targetType: 'post', targetId: trusted({ $in: posts.map((p) => String(p._id)) }) });
  }
  if (memberships.length) {
    or.push({
      targetType: 'membership',
      targetId: trusted({ $in: memberships.map((m) => String(m._id)) }),
    });
  }
  const events = or.length
    ? await AuditEvent.find({
        $or: or,
        action: trusted({ $in: [...APPEALABLE_ACTIONS] }),
      })
        .sort({ seq: -1 })
        .limit(500)
        .lean<AuditEventDoc[]>()
    : [];
  return { events, posts: new Map(posts.map((p) => [String(p._id), p])) };
}

export async function groupsById(ids: Array<Types.ObjectId | null | undefined>) {
  const list = ids.filter((i): i is Types.ObjectId => !!i);
  const groups = list.length
    ? await Group.find({ _id: trusted({ $in: list }) }).lean<GroupDoc[]>()
    : [];
  return new Map(groups.map((g) => [String(g._id), g]));
}

/** The note a member sees: the audit reason, or for a rejection the note on the post. */
export function noteOf(e: AuditEventDoc, post: PostDoc | undefined): string | null {
  if (e.reason) return e.reason;
  if (e.action === 'post.rejected' && post?.decision?.action === 'rejected') {
    return post.decision.note ?? null;
  }
  return null;
}

/**
 * Reverses an appealed decision: a hidden post is restored, a rejected post goes back to the
 * queue, a mute or suspension is lifted, a removal is undone. Each step is conditional on the
 * current state, so a post resubmitted or withdrawn meanwhile is left alone.
 */
export async function overturnDecision(
  deps: Deps,
  moderation: ModerationService,
  actor: Actor,
  appeal: AppealDoc,
  group: GroupDoc,
): Promise<void> {
  const { clock } = deps;
  const now = clock.now();
  const groupId = String(group._id);
  switch (appeal.action) {
    case 'post.hidden': {
      // privileged read: moderators only (the caller checked)
      const post = await Post.findById(oid(appeal.targetId)).lean<PostDoc>();
      if (post?.status === 'hidden') {
        await moderation.restoreHidden(actor, group, post, null, 'appeal');
      }
      return;
    }
    case 'post.rejected': {
      const updated = await Post.findOneAndUpdate(
        { _id: oid(appeal.targetId), status: 'rejected' },
        {
          $set: { status: 'pending', submittedAt: now, 'claim.by': null, 'claim.until': null },
          $unset: { decision: 1 },
          $inc: { version: 1 },
          $push: {
            history: {
              action: 'appeal_overturned',
              by: actor.userId,
              at: now,
              fromStatus: 'rejected',
              toStatus: 'pending',
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (updated) {
        deps.events.emit('post.pending_changed', {
          groupId,
          postId: String(updated._id),
          authorId: String(updated.author),
        });
        deps.events.emit('queue.changed', { groupId, postId: String(updated._id) });
      }
      return;
    }
    case 'member.muted':
    case 'member.suspended': {
      const field = appeal.action === 'member.muted' ? 'mutedUntil' : 'suspendedUntil';
      await Membership.updateOne({ _id: oid(appeal.targetId) }, { $set: { [field]: null } });
      deps.events.emit('membership.changed', {
        groupId,
        userId: String(appeal.appellant),
        status: 'active',
      });
      return;
    }
    case 'membership.removed': {
      const res = await Membership.updateOne(
        { _id: oid(appeal.targetId), status: 'removed' },
        { $set: { status: 'active', endedAt: null } },
      );
      if (res.modifiedCount > 0) {
        deps.events.emit('membership.changed', {
          groupId,
          userId: String(appeal.appellant),
          status: 'active',
        });
      }
      return;
    }
  }
}
