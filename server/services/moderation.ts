// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Membership, Post, Report, type GroupDoc, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import type { HideInput, RestoreInput } from '../schemas/moderation';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import {
  closeReports,
  contextOf,
  moderatedPost,
  requireVersion,
  ruleTitle,
  t,
  type ModeratedPostView,
} from './moderation-common';
import { createNotifications } from './notifications';
import { FORMER_MEMBER } from '../presenters/posts';
import { displayNames, ruleLabels } from './posts';
import { auditReason } from './stats';

/**
 * Moderators' actions on published content: hide (always citing a rule; a merely negative
 * post cannot be hidden) and restore. Like every decision, each is ONE conditional update on
 * (status, version) that also pushes the history entry; then audit, notify, emit.
 */
export function createModerationService(deps: Deps) {
  const { clock } = deps;

  /** hidden → approved: shared by the restore action and an overturned appeal. */
  async function restore(
    actor: Actor,
    group: GroupDoc,
    post: PostDoc,
    version: number | null,
    via: 'restore' | 'appeal',
  ): Promise<PostDoc> {
    const now = clock.now();
    const updated = await Post.findOneAndUpdate(
      { _id: post._id, status: 'hidden', ...(version === null ? {} : { version }) },
      {
        $set: {
          status: 'approved',
          decision: {
            action: 'restored',
            by: actor.userId,
            byName: actor.displayName,
            at: now,
            previousStatus: 'hidden',
          },
        },
        $inc: { version: 1 },
        $push: {
          history: {
            action: via === 'appeal' ? 'restored_on_appeal' : 'restored',
            by: actor.userId,
            at: now,
            fromStatus: 'hidden',
            toStatus: 'approved',
          },
        },
      },
      { returnDocument: 'after' },
    ).lean<PostDoc>();
    if (!updated) throw new ConflictError(t().hide.notHidden, 'conflict');
    if (updated.parent) {
      await Post.updateOne({ _id: updated.parent, group: group._id }, { $inc: { replyCount: 1 } });
    }
    await recordAudit(deps, {
      key: `post:${String(updated._id)}:v${updated.version}`,
      action: 'post.restored',
      actor: actor.userId,
      group: group._id,
      targetType: 'post',
      targetId: updated._id,
      meta: { version: updated.version, via },
    });
    const groupId = String(group._id);
    deps.events.emit('post.published', {
      groupId,
      postId: String(updated._id),
      seq: updated.seq ?? 0,
    });
    return updated;
  }

  return {
    restoreHidden: restore,

    /**
     * The gate of the moderators' forms: anyone who does not moderate the group hears "not
     * found" before what they sent is read (a refused form never answers with a validation
     * message or a redirect).
     */
    async requireModerator(actor: Actor, group: string): Promise<void> {
      await requireGroupAccess(clock, actor, group, 'moderate');
    },

    /** One post as a moderator sees it, with its context, for the hide/restore page. */
    async getModeratedPost(
      actor: Actor,
      input: { postId: string },
    ): Promise<{
      group: {
        id: string;
        slug: string;
        name: string;
        rules: Array<{ ruleId: string; title: string }>;
      };
      post: ModeratedPostView;
    }> {
      const { post, access } = await moderatedPost(deps, actor, input.postId);
      const { group } = access;
      const names = await displayNames([String(post.author)]);
      const openReports = await Report.countDocuments({ post: post._id, status: 'open' });
      return {
        group: {
          id: String(group._id),
          slug: group.slug,
          name: group.name,
          rules: ruleLabels(group),
        },
        post: {
          id: String(post._id),
          version: post.version,
          status: post.status,
          authorName: names.get(String(post.author)) ?? FORMER_MEMBER,
          body: post.body,
          publishedAt: post.publishedAt?.toISOString() ?? null,
          decision: post.decision?.action
            ? {
                action: post.decision.action,
                ruleTitle: ruleTitle(group, post.decision.ruleId),
                note: post.decision.note ?? null,
              }
            : null,
          context:
            post.status === 'approved' || post.status === 'hidden'
              ? await contextOf(post, new Set())
              : [],
          openReports,
        },
      };
    },

    /**
     * approved → hidden, citing one of the group's rules (422 without one: a merely negative
     * or critical post cannot be hidden). Live clients remove it; the author is told and can
     * appeal.
     */
    async hidePost(
      actor: Actor,
      input: HideInput,
    ): Promise<{ postId: string; status: 'hidden'; version: number }> {
      // Who may act is settled before what they sent is judged (404 before 422).
      const { post, access } = await moderatedPost(deps, actor, input.postId);
      const version = requireVersion(input.version);
      const { group } = access;
      const rule = (group.rules ?? []).find((r) => r.ruleId === input.ruleId);
      if (!rule) {
        throw new ValidationError(t().hide.ruleRequired, [
          { path: 'ruleId', message: t().hide.ruleRequired },
        ]);
      }
      const now = clock.now();
      const updated = await Post.findOneAndUpdate(
        { _id: post._id, status: 'approved', version },
        {
          $set: {
            status: 'hidden',
            decision: {
              action: 'hidden',
              by: actor.userId,
              byName: actor.displayName,
              at: now,
              ruleId: rule.ruleId,
              note: input.note,
              previousStatus: 'approved',
            },
          },
          $inc: { version: 1 },
          $push: {
            history: {
              action: 'hidden',
              by: actor.userId,
              at: now,
              ruleId: rule.ruleId,
              fromStatus: 'approved',
              toStatus: 'hidden',
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (!updated) {
        // privileged read: why the conditional update missed (moderator only)
        const current = await Post.findById(post._id).select({ status: 1, version: 1 }).lean();
        if (current && current.status !== 'approved') {
          throw new ConflictError(t().hide.notPublished, 'post_already_decided', {
            status: current.status,
          });
        }
        throw new ConflictError(en.posts.errors.changed, 'conflict', { version: current?.version });
      }
      if (updated.parent) {
        await Post.updateOne(
          { _id: updated.parent, replyCount: trusted({ $gt: 0 }) },
          { $inc: { replyCount: -1 } },
        );
      }
      await recordAudit(deps, {
        key: `post:${String(updated._id)}:v${updated.version}`,
        action: 'post.hidden',
        actor: actor.userId,
        group: group._id,
        targetType: 'post',
        targetId: updated._id,
        ruleId: rule.ruleId,
        ...auditReason(input.note),
        meta: { version: updated.version },
      });
      await closeReports(deps, actor, updated, 'actioned');
      await createNotifications(deps, [
        {
          userId: updated.author,
          kind: 'post_hidden',
          groupId: group._id,
          postId: updated._id,
          data: {
            groupSlug: group.slug,
            groupName: group.name,
            ruleId: rule.ruleId,
            ruleTitle: rule.title,
            ...(input.note ? { note: input.note } : {}),
          },
        },
      ]);
      const groupId = String(group._id);
      // Everyone's screens (the author's too) drop it; the author is told by the notification.
      deps.events.emit('post.hidden', { groupId, postId: String(updated._id) });
      deps.log.info({ event: 'post.hidden', postId: String(updated._id), groupId }, 'post hidden');
      return { postId: String(updated._id), status: 'hidden', version: updated.version };
    },

    /** hidden → approved, by a moderator of the group. */
    async restorePost(
      actor: Actor,
      input: RestoreInput,
    ): Promise<{ postId: string; status: 'approved'; version: number }> {
      const { post, access } = await moderatedPost(deps, actor, input.postId);
      const version = requireVersion(input.version);
      const updated = await restore(actor, access.group, post, version, 'restore');
      return { postId: String(updated._id), status: 'approved', version: updated.version };
    },

    /** Ids of moderators of a group (for routing appeals). */
    async moderatorIds(groupId: Types.ObjectId): Promise<string[]> {
      const mods = await Membership.find({ group: groupId, status: 'active', roles: 'moderator' })
        .select({ user: 1 })
        .lean();
      return mods.map((m) => String(m.user));
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
