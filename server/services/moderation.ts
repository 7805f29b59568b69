// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  Membership,
  Post,
  Report,
  type GroupDoc,
  type PostDoc,
  type ReportDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { canReport } from '../policies/moderation';
import { FORMER_MEMBER } from '../presenters/posts';
import type { HideInput, ReportInput, RestoreInput } from '../schemas/moderation';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import { createNotifications } from './notifications';
import { displayNames, visibleToMembers } from './posts';

/**
 * Reports from members, and moderators' actions on published content: hide (always citing a
 * rule) and restore. Like every decision, hide/restore is ONE conditional update on
 * (status, version) that also pushes the history entry; then audit, notify, emit.
 */
const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));
const t = () => en.toolkit;

export interface ContextPostView {
  id: string;
  authorName: string;
  body: string;
  publishedAt: string | null;
  reported: boolean;
}

export interface ReportItemView {
  postId: string;
  version: number;
  status: string;
  authorName: string;
  body: string;
  publishedAt: string | null;
  count: number;
  firstReportedAt: string;
  rules: Array<{ ruleId: string; title: string; count: number }>;
  notes: string[];
  context: ContextPostView[];
}

export interface ModeratedPostView {
  id: string;
  version: number;
  status: string;
  authorName: string;
  body: string;
  publishedAt: string | null;
  decision: { action: string; ruleTitle: string | null; note: string | null } | null;
  context: ContextPostView[];
  openReports: number;
}

export interface HiddenPostView {
  id: string;
  version: number;
  authorName: string;
  ruleTitle: string | null;
  hiddenAt: string | null;
}

function ruleTitle(group: GroupDoc, ruleId: string | null | undefined): string | null {
  if (!ruleId) return null;
  return (group.rules ?? []).find((r) => r.ruleId === ruleId)?.title ?? ruleId;
}

function requireVersion(version: number | undefined): number {
  if (version === undefined) {
    throw new AppError('version_required', 422, en.posts.errors.versionRequired);
  }
  return version;
}

export function createModerationService(deps: Deps) {
  const { clock } = deps;

  /** A post for a moderator of its group; 404 for everyone else. */
  async function moderatedPost(actor: Actor, postId: string) {
    // privileged read: moderators only (access checked on the next line before anything is used)
    const post = await Post.findById(oid(postId)).lean<PostDoc>();
    if (!post) throw new NotFoundError(en.posts.errors.notFound);
    const access = await requireGroupAccess(clock, actor, String(post.group), 'moderate');
    return { post, access };
  }

  /** Published posts around one post: its parent (for a reply) and two either side by seq. */
  async function contextOf(post: PostDoc, reportedIds: Set<string>): Promise<ContextPostView[]> {
    const scope = { parent: post.parent ?? null };
    const seq = post.seq ?? 0;
    const [before, after, parent] = await Promise.all([
      Post.find(visibleToMembers(post.group, { ...scope, seq: trusted({ $lt: seq }) }))
        .sort({ seq: -1 })
        .limit(2)
        .lean<PostDoc[]>(),
      Post.find(visibleToMembers(post.group, { ...scope, seq: trusted({ $gt: seq }) }))
        .sort({ seq: 1 })
        .limit(2)
        .lean<PostDoc[]>(),
      post.parent
        ? Post.findOne(visibleToMembers(post.group, { _id: post.parent })).lean<PostDoc>()
        : Promise.resolve(null),
    ]);
    const list = [...(parent ? [parent] : []), ...before.reverse(), ...after];
    const names = await displayNames(list.map((p) => String(p.author)));
    return list.map((p) => ({
      id: String(p._id),
      authorName: names.get(String(p.author)) ?? FORMER_MEMBER,
      body: p.body,
      publishedAt: p.publishedAt?.toISOString() ?? null,
      reported: reportedIds.has(String(p._id)),
    }));
  }

  async function closeReports(
    actor: Actor,
    post: PostDoc,
    status: 'actioned' | 'dismissed',
  ): Promise<number> {
    const result = await Report.updateMany(
      { post: post._id, status: 'open' },
      { $set: { status, handledBy: actor.userId, handledAt: clock.now() } },
    );
    if (result.modifiedCount > 0) {
      deps.events.emit('reports.changed', {
        groupId: String(post.group),
        postId: String(post._id),
      });
    }
    return result.modifiedCount;
  }

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

    /** A member reports a published post. Reporting again updates the same report. */
    async reportPost(
      actor: Actor,
      input: ReportInput,
    ): Promise<{ postId: string; created: boolean }> {
      // privileged read: only the group id, to check access before anything else is read
      const ref = await Post.findById(oid(input.postId)).select({ group: 1 }).lean();
      if (!ref) throw new NotFoundError(en.posts.errors.notFound);
      const { group } = await requireGroupAccess(clock, actor, String(ref.group), 'enter');
      const post = await Post.findOne(
        visibleToMembers(group._id, { _id: ref._id }),
      ).lean<PostDoc>();
      if (
        !post ||
        !canReport({ status: post.status, authorId: String(post.author) }, String(actor.userId))
      ) {
        throw new NotFoundError(t().report.notReportable);
      }
      if (!(group.rules ?? []).some((r) => r.ruleId === input.ruleId)) {
        throw new ValidationError(en.errors.validation, [
          { path: 'ruleId', message: t().report.rule },
        ]);
      }
      const now = clock.now();
      const result = await Report.updateOne(
        { post: post._id, reporter: actor.userId },
        {
          $set: { ruleId: input.ruleId, note: input.note ?? '', status: 'open', handledAt: null },
          $setOnInsert: { group: group._id, createdAt: now },
        },
        { upsert: true },
      );
      const created = result.upsertedCount > 0;
      if (created) {
        // Moderators hear of a new report (never who made it); repeats only update the tab.
        const mods = (
          await Membership.find({ group: group._id, status: 'active', roles: 'moderator' })
            .select({ user: 1 })
            .lean()
        ).filter((m) => !m.user.equals(actor.userId));
        await createNotifications(
          deps,
          mods.map((m) => ({
            userId: m.user,
            kind: 'report_received' as const,
            groupId: group._id,
            postId: post._id,
            data: { groupSlug: group.slug, groupName: group.name },
          })),
        );
      }
      deps.log.info(
        { event: 'post.reported', postId: String(post._id), groupId: String(group._id), created },
        'post reported',
      );
      deps.events.emit('reports.changed', { groupId: String(group._id), postId: String(post._id) });
      return { postId: String(post._id), created };
    },

    /** Open reports of one group, grouped per post, oldest first, with the posts around each. */
    async listReports(
      actor: Actor,
      input: { group: string },
    ): Promise<{
      group: {
        id: string;
        slug: string;
        name: string;
        rules: Array<{ ruleId: string; title: string }>;
      };
      items: ReportItemView[];
      hidden: HiddenPostView[];
    }> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const reports = await Report.find({ group: group._id, status: 'open' })
        .sort({ createdAt: 1 })
        .limit(1000)
        .lean<ReportDoc[]>();
      const byPost = new Map<string, ReportDoc[]>();
      for (const r of reports) {
        const list = byPost.get(String(r.post)) ?? [];
        list.push(r);
        byPost.set(String(r.post), list);
      }
      const ids = [...byPost.keys()].map(oid);
      // privileged read: moderators see reported posts whatever their status
      const posts = ids.length
        ? await Post.find({ _id: trusted({ $in: ids }), group: group._id }).lean<PostDoc[]>()
        : [];
      // privileged read: moderators see what they hid, to restore it
      const hiddenPosts = await Post.find({ group: group._id, status: 'hidden' })
        .sort({ 'decision.at': -1 })
        .limit(50)
        .lean<PostDoc[]>();
      const names = await displayNames([...posts, ...hiddenPosts].map((p) => String(p.author)));
      const reportedIds = new Set(byPost.keys());
      const items: ReportItemView[] = [];
      for (const post of posts) {
        const list = byPost.get(String(post._id)) ?? [];
        const counts = new Map<string, number>();
        for (const r of list) counts.set(r.ruleId, (counts.get(r.ruleId) ?? 0) + 1);
        items.push({
          postId: String(post._id),
          version: post.version,
          status: post.status,
          authorName: names.get(String(post.author)) ?? FORMER_MEMBER,
          body: post.body,
          publishedAt: post.publishedAt?.toISOString() ?? null,
          count: list.length,
          firstReportedAt: (list[0]?.createdAt ?? clock.now()).toISOString(),
          rules: [...counts].map(([ruleId, count]) => ({
            ruleId,
            title: ruleTitle(group, ruleId) ?? ruleId,
            count,
          })),
          notes: list.map((r) => r.note ?? '').filter((n) => n.length > 0),
          context: post.status === 'approved' ? await contextOf(post, reportedIds) : [],
        });
      }
      items.sort((a, b) => a.firstReportedAt.localeCompare(b.firstReportedAt));
      return {
        group: {
          id: String(group._id),
          slug: group.slug,
          name: group.name,
          rules: (group.rules ?? []).map((r) => ({ ruleId: r.ruleId, title: r.title })),
        },
        items,
        hidden: hiddenPosts.map((p) => ({
          id: String(p._id),
          version: p.version,
          authorName: names.get(String(p.author)) ?? FORMER_MEMBER,
          ruleTitle: ruleTitle(group, p.decision?.ruleId),
          hiddenAt: p.decision?.at?.toISOString() ?? null,
        })),
      };
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
      const { post, access } = await moderatedPost(actor, input.postId);
      const { group } = access;
      const names = await displayNames([String(post.author)]);
      const openReports = await Report.countDocuments({ post: post._id, status: 'open' });
      return {
        group: {
          id: String(group._id),
          slug: group.slug,
          name: group.name,
          rules: (group.rules ?? []).map((r) => ({ ruleId: r.ruleId, title: r.title })),
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

    /** The moderator keeps the post: its open reports are closed as dismissed. */
    async dismissReports(actor: Actor, input: { postId: string }): Promise<{ dismissed: number }> {
      const { post, access } = await moderatedPost(actor, input.postId);
      const dismissed = await closeReports(actor, post, 'dismissed');
      if (dismissed > 0) {
        await recordAudit(deps, {
          key: `reports:${String(post._id)}:dismissed:${clock.now().getTime()}`,
          action: 'report.dismissed',
          actor: actor.userId,
          group: access.group._id,
          targetType: 'post',
          targetId: post._id,
          meta: { reports: dismissed },
        });
      }
      return { dismissed };
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
      const version = requireVersion(input.version);
      const { post, access } = await moderatedPost(actor, input.postId);
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
        ...(input.note ? { reason: input.note } : {}),
        meta: { version: updated.version },
      });
      await closeReports(actor, updated, 'actioned');
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
      const version = requireVersion(input.version);
      const { post, access } = await moderatedPost(actor, input.postId);
      const updated = await restore(actor, access.group, post, version, 'restore');
      return { postId: String(updated._id), status: 'approved', version: updated.version };
    },

    /** A published post a member may report, for the report form (404 otherwise). */
    async reportablePost(
      actor: Actor,
      input: { postId: string },
    ): Promise<{ id: string; body: string }> {
      // privileged read: only the group id, to check access before anything else is read
      const ref = await Post.findById(oid(input.postId)).select({ group: 1 }).lean();
      if (!ref) throw new NotFoundError(en.posts.errors.notFound);
      const { group } = await requireGroupAccess(clock, actor, String(ref.group), 'enter');
      const post = await Post.findOne(
        visibleToMembers(group._id, { _id: ref._id }),
      ).lean<PostDoc>();
      if (
        !post ||
        !canReport({ status: post.status, authorId: String(post.author) }, String(actor.userId))
      ) {
        throw new NotFoundError(t().report.notReportable);
      }
      return { id: String(post._id), body: post.body };
    },

    /** What the report form needs: the group's name, slug and rules (any member). */
    async reportContext(
      actor: Actor,
      input: { group: string },
    ): Promise<{ slug: string; name: string; rules: Array<{ ruleId: string; title: string }> }> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'enter');
      return {
        slug: group.slug,
        name: group.name,
        rules: (group.rules ?? []).map((r) => ({ ruleId: r.ruleId, title: r.title })),
      };
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
