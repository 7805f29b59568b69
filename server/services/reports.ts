// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted } from 'mongoose';
import { Membership, Post, Report, type PostDoc, type ReportDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { canReport } from '../policies/moderation';
import { FORMER_MEMBER } from '../presenters/posts';
import type { ReportInput } from '../schemas/moderation';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import {
  closeReports,
  contextOf,
  moderatedPost,
  oid,
  ruleTitle,
  t,
  type HiddenPostView,
  type ReportItemView,
} from './moderation-common';
import { createNotifications } from './notifications';
import { displayNames, ruleLabels, visibleToMembers } from './posts';

/**
 * Members' reports of published posts (one per post and reporter; the reporter is never named)
 * and the moderators' reports tab: open reports grouped per post with the posts around it,
 * hidden posts to restore, and "keep it" (dismiss).
 */
export function createReportService(deps: Deps) {
  const { clock } = deps;

  return {
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
          rules: ruleLabels(group),
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

    /** The moderator keeps the post: its open reports are closed as dismissed. */
    async dismissReports(actor: Actor, input: { postId: string }): Promise<{ dismissed: number }> {
      const { post, access } = await moderatedPost(deps, actor, input.postId);
      const dismissed = await closeReports(deps, actor, post, 'dismissed');
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
        rules: ruleLabels(group),
      };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
