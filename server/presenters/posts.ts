import type { Types } from 'mongoose';
import type { PostStatus, ReactionKind, ScreeningKind } from '../../models/post';
import { claimActive, reviewActions, type ReviewAction, type ViewerFacts } from '../policies/post';
import { addReviewMinutes, type BusinessHours } from '../services/business-hours';
import { addCoveredMinutes, type RotaSlot } from '../services/coverage';

/**
 * What leaves the server about a post, per audience. Pure and explicitly listed: the member view
 * never carries status, findings, history or anyone's e-mail; the author's own view adds the
 * waiting state; the moderator's queue item adds findings, track record and claim.
 */
export interface PostLike {
  _id: Types.ObjectId;
  group: Types.ObjectId;
  author: Types.ObjectId;
  parent?: Types.ObjectId | null;
  body: string;
  /** Topic id (top-level posts only); the group's list gives its name. */
  topic?: string | null;
  status: PostStatus;
  version: number;
  submittedAt: Date;
  seq?: number | null;
  publishedAt?: Date | null;
  lastActivityAt?: Date | null;
  lane: 'priority' | 'normal';
  findings?: Array<{ kind?: ScreeningKind | null; detail?: string | null }> | null;
  claim?: { by?: Types.ObjectId | null; byName?: string | null; until?: Date | null } | null;
  decision?: {
    action?: string | null;
    by?: Types.ObjectId | null;
    byName?: string | null;
    at?: Date | null;
    ruleId?: string | null;
    note?: string | null;
    undoUntil?: Date | null;
  } | null;
  revisions?: unknown[] | null;
  editedByModerator?: boolean | null;
  asOrganisation?: boolean | null;
  orgReply?: { body?: string | null } | null;
  announcement?: { publishAt?: Date | null } | null;
  modNote?: {
    body?: string | null;
    links?: Array<{ url?: string | null; label?: string | null }> | null;
  } | null;
  reactionCounts?: Partial<Record<ReactionKind, number | null>> | null;
  replyCount?: number | null;
}

export type ReactionCounts = Record<ReactionKind, number>;

/** A post's topic as shown in its label (the name is the group's current one). */
export interface TopicLabel {
  id: string;
  name: string;
}

export interface MemberPostView {
  id: string;
  groupId: string;
  parentId: string | null;
  authorName: string;
  mine: boolean;
  body: string;
  seq: number;
  publishedAt: string;
  lastActivityAt: string;
  reactions: ReactionCounts;
  replyCount: number;
  editedByModerator: boolean;
  /** Posted by staff on behalf of the organisation. */
  organisation: boolean;
  /** The organisation's reply attached under the post by a moderator (its generic statement). */
  orgReply: string | null;
  topic: TopicLabel | null;
  /** A staff announcement (written ahead and published at its time). */
  announcement: boolean;
  /** A moderator's corrective note shown under the post, with links to reliable sources. */
  modNote: ModNoteView | null;
}

export interface ModNoteView {
  body: string;
  /** http(s) addresses only (checked when saved); `label` falls back to the host name. */
  links: Array<{ url: string; label: string }>;
}

/** The note as members see it; a link that is somehow not http(s) is left out, never shown. */
export function presentModNote(note: PostLike['modNote']): ModNoteView | null {
  if (!note?.body) return null;
  const links: ModNoteView['links'] = [];
  for (const l of note.links ?? []) {
    if (!l.url) continue;
    let url: URL;
    try {
      url = new URL(l.url);
    } catch {
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    links.push({ url: url.href, label: l.label || url.hostname });
  }
  return { body: note.body, links };
}

export interface FindingView {
  kind: ScreeningKind;
  code: string;
}

export interface OwnPostView {
  id: string;
  groupId: string;
  parentId: string | null;
  body: string;
  status: PostStatus;
  version: number;
  submittedAt: string;
  findings: FindingView[];
  crisis: boolean;
  rejection: { ruleId: string; ruleTitle: string; note: string | null } | null;
  canEdit: boolean;
  canWithdraw: boolean;
  canResubmit: boolean;
  topic: TopicLabel | null;
}

export interface QueueItemView {
  id: string;
  groupId: string;
  parentId: string | null;
  version: number;
  body: string;
  lane: 'priority' | 'normal';
  findings: FindingView[];
  authorName: string;
  track: { approved: number; rejected: number };
  submittedAt: string;
  waitingMinutes: number;
  targetMinutes: number;
  /** When the item turns amber (the target counted in review hours only). */
  overdueAt: string;
  overdue: boolean;
  resubmitted: boolean;
  claim: { byName: string; mine: boolean; until: string } | null;
  actions: ReviewAction[];
  /** Topic id; moderators may change it before (and after) approval. */
  topic: string | null;
}

export const FORMER_MEMBER = 'Former member';

const id = (v: Types.ObjectId | null | undefined): string | null => (v ? String(v) : null);

function counts(post: PostLike): ReactionCounts {
  const c = post.reactionCounts ?? {};
  return { heart: c.heart ?? 0, hug: c.hug ?? 0, pray: c.pray ?? 0, clap: c.clap ?? 0 };
}

/** The label of a post's topic; names come from the group's list (`topicNames`). */
function topicLabel(
  post: PostLike,
  topics: ReadonlyMap<string, string> | undefined,
): TopicLabel | null {
  if (!post.topic) return null;
  return { id: post.topic, name: topics?.get(post.topic) ?? '' };
}

function findings(post: PostLike): FindingView[] {
  return (post.findings ?? [])
    .filter((f) => !!f.kind)
    .map((f) => ({ kind: f.kind as ScreeningKind, code: f.detail ?? '' }));
}

/** An approved post as every member of the group sees it. */
export function presentMemberPost(
  post: PostLike,
  names: ReadonlyMap<string, string>,
  viewerId: string | null,
  topics?: ReadonlyMap<string, string>,
): MemberPostView {
  const authorId = String(post.author);
  const published = post.publishedAt ?? post.submittedAt;
  return {
    id: String(post._id),
    groupId: String(post.group),
    parentId: id(post.parent),
    authorName: names.get(authorId) ?? FORMER_MEMBER,
    mine: viewerId === authorId,
    body: post.body,
    seq: post.seq ?? 0,
    publishedAt: published.toISOString(),
    lastActivityAt: (post.lastActivityAt ?? published).toISOString(),
    reactions: counts(post),
    replyCount: post.replyCount ?? 0,
    editedByModerator: !!post.editedByModerator,
    organisation: !!post.asOrganisation,
    orgReply: post.orgReply?.body ?? null,
    topic: topicLabel(post, topics),
    announcement: !!post.announcement,
    modNote: presentModNote(post.modNote),
  };
}

/** The author's own post while it waits, or after it was turned down. */
export function presentOwnPost(
  post: PostLike,
  rules: ReadonlyArray<{ ruleId: string; title: string }>,
  topics?: ReadonlyMap<string, string>,
): OwnPostView {
  const rejected = post.status === 'rejected';
  const ruleId = post.decision?.ruleId ?? '';
  return {
    id: String(post._id),
    groupId: String(post.group),
    parentId: id(post.parent),
    body: post.body,
    status: post.status,
    version: post.version,
    submittedAt: post.submittedAt.toISOString(),
    findings: findings(post),
    crisis: findings(post).some((f) => f.kind === 'crisis'),
    rejection: rejected
      ? {
          ruleId,
          ruleTitle: rules.find((r) => r.ruleId === ruleId)?.title ?? '',
          note: post.decision?.note ?? null,
        }
      : null,
    canEdit: post.status === 'pending',
    canWithdraw: post.status === 'pending' || rejected,
    canResubmit: rejected,
    topic: topicLabel(post, topics),
  };
}

export interface QueueContext {
  viewer: ViewerFacts;
  names: ReadonlyMap<string, string>;
  track: ReadonlyMap<string, { approved: number; rejected: number }>;
  now: Date;
  hours: BusinessHours;
  /** The group's rota: with it, lateness counts covered time (business hours + rota). */
  slots?: readonly RotaSlot[];
  responseTargetMinutes: number;
  crisisTargetMinutes: number;
}

/** One item of the moderators' queue, with the actions this moderator may take on it. */
export function presentQueueItem(post: PostLike, ctx: QueueContext): QueueItemView {
  const authorId = String(post.author);
  const target = post.lane === 'priority' ? ctx.crisisTargetMinutes : ctx.responseTargetMinutes;
  // Late once the target has passed in review time: a Friday-evening post is not late on Saturday.
  const overdueAt =
    (ctx.slots
      ? addCoveredMinutes(ctx.hours, ctx.slots, post.submittedAt, target)
      : addReviewMinutes(ctx.hours, post.submittedAt, target)) ?? new Date(8.64e15);
  const facts = {
    authorId,
    status: post.status,
    claimBy: id(post.claim?.by),
    claimUntil: post.claim?.until ?? null,
    decisionBy: id(post.decision?.by),
    undoUntil: post.decision?.undoUntil ?? null,
  };
  const claimed = claimActive(facts, ctx.now);
  return {
    id: String(post._id),
    groupId: String(post.group),
    parentId: id(post.parent),
    version: post.version,
    body: post.body,
    lane: post.lane,
    findings: findings(post),
    authorName: ctx.names.get(authorId) ?? FORMER_MEMBER,
    track: ctx.track.get(authorId) ?? { approved: 0, rejected: 0 },
    submittedAt: post.submittedAt.toISOString(),
    waitingMinutes: Math.max(
      0,
      Math.floor((ctx.now.getTime() - post.submittedAt.getTime()) / 60_000),
    ),
    targetMinutes: target,
    overdueAt: overdueAt.toISOString(),
    overdue: ctx.now.getTime() > overdueAt.getTime(),
    resubmitted: (post.revisions?.length ?? 0) > 0,
    claim:
      claimed && post.claim?.until
        ? {
            byName: post.claim.byName ?? FORMER_MEMBER,
            mine: facts.claimBy === ctx.viewer.userId,
            until: post.claim.until.toISOString(),
          }
        : null,
    actions: reviewActions(ctx.viewer, facts, ctx.now),
    topic: post.topic ?? null,
  };
}
