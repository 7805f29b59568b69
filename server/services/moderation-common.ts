// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Post, Report, type GroupDoc, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { AppError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import { FORMER_MEMBER } from '../presenters/posts';
import { requireGroupAccess } from './group-access';
import { displayNames, visibleToMembers } from './posts';

/**
 * Shared by the report and moderation services: the views they return, the moderator-only
 * post lookup (404 for everyone else), the published posts around a post, closing reports.
 */
export const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));
export const t = () => en.toolkit;

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

export function ruleTitle(group: GroupDoc, ruleId: string | null | undefined): string | null {
  if (!ruleId) return null;
  return (group.rules ?? []).find((r) => r.ruleId === ruleId)?.title ?? ruleId;
}

export function requireVersion(version: number | undefined): number {
  if (version === undefined) {
    throw new AppError('version_required', 422, en.posts.errors.versionRequired);
  }
  return version;
}

/** A post for a moderator of its group; 404 for everyone else. */
export async function moderatedPost(deps: Deps, actor: Actor, postId: string) {
  // privileged read: moderators only (access checked on the next line before anything is used)
  const post = await Post.findById(oid(postId)).lean<PostDoc>();
  if (!post) throw new NotFoundError(en.posts.errors.notFound);
  const access = await requireGroupAccess(deps.clock, actor, String(post.group), 'moderate');
  return { post, access };
}

/** Published posts around one post: its parent (for a reply) and two either side by seq. */
export async function contextOf(
  post: PostDoc,
  reportedIds: Set<string>,
): Promise<ContextPostView[]> {
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

export async function closeReports(
  deps: Deps,
  actor: Actor,
  post: PostDoc,
  status: 'actioned' | 'dismissed',
): Promise<number> {
  const result = await Report.updateMany(
    { post: post._id, status: 'open' },
    { $set: { status, handledBy: actor.userId, handledAt: deps.clock.now() } },
  );
  if (result.modifiedCount > 0) {
    deps.events.emit('reports.changed', {
      groupId: String(post.group),
      postId: String(post._id),
    });
  }
  return result.modifiedCount;
}
