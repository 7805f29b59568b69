// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  Group,
  Membership,
  Post,
  Reaction,
  User,
  type GroupDoc,
  type PostDoc,
  type ReactionKind,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import { canEditPost, canResubmitPost, canWithdrawPost, type ViewerFacts } from '../policies/post';
import {
  FORMER_MEMBER,
  type TopicLabel,
  presentMemberPost,
  presentOwnPost,
  type FindingView,
  type MemberPostView,
  type OwnPostView,
  type ReactionCounts,
} from '../presenters/posts';
import type {
  CatchUpInput,
  EditPostInput,
  MarkReadInput,
  PageInput,
  PostRefInput,
  ReactInput,
  SubmitPostInput,
} from '../schemas/posts';
import { batched, coalesced, groupBy, uniqueBy } from './batched';
import { DEFAULT_HOURS } from './business-hours';
import { coverageStatus } from './coverage';
import { alertNewQueueItem } from './coverage-alerts';
import { pinnedPostsOf, type PinnedView } from './pins';
import { loadCoverage, type Coverage } from './coverage-load';
import { requireGroupAccess, type GroupAccess } from './group-access';
import { createNotifications, notifyReaction, type NewNotification } from './notifications';
import { isCrisis, isThreat, needsConfirmation, screen, type Finding } from './screening';
import { checkPostTopic, topicNames, topicsOf, type Topic } from './topic-list';

/**
 * THE filter for every member-facing read of posts: approved posts of one group. Extra conditions
 * come first so nothing a caller passes can widen `group` or `status`.
 * tests/unit/visible-to-members.test.ts checks that every read of the posts collection in server/
 * either goes through this helper or is marked as a privileged (author's own / moderator) read.
 */
export function visibleToMembers(groupId: Types.ObjectId, extra: Record<string, unknown> = {}) {
  return { ...extra, group: groupId, status: 'approved' as const };
}

export interface SupportContact {
  label: string;
  detail: string;
}

export interface WaitView {
  open: boolean;
  text: string;
  typicalMinutes: number | null;
  resumesAt: string | null;
}

export type StoreResult =
  | {
      status: 'needs_confirmation';
      findings: FindingView[];
      nudges: string[];
    }
  | {
      status: 'stored';
      created: boolean;
      post: OwnPostView;
      wait: WaitView;
      /** Support contacts, shown at once when the post used crisis language. */
      support: SupportContact[] | null;
    };

export interface ThreadView {
  post: MemberPostView;
  replies: MemberPostView[];
  /** The viewer's own replies to this thread that are waiting or were not published. */
  ownReplies: OwnPostView[];
}

export interface ConversationPage {
  group: {
    id: string;
    slug: string;
    name: string;
    rules: Array<{ ruleId: string; title: string }>;
    timeZone: string;
    disclaimer: string;
  };
  threads: ThreadView[];
  /** The viewer's own top-level posts that are waiting or were not published (first page only). */
  ownPosts: OwnPostView[];
  earlierCursor: string | null;
  lastReadSeq: number;
  lastSeq: number;
  myReactions: Record<string, ReactionKind[]>;
  canParticipate: boolean;
  mutedUntil: string | null;
  consentPending: string[];
  isModerator: boolean;
  isAdvocate: boolean;
  wait: WaitView;
  support: SupportContact[] | null;
  topics: {
    /** The group's topics in order, retired ones included (the composer offers active ones). */
    list: Topic[];
    /** The topic the page is filtered by, if any. */
    filter: TopicLabel | null;
    /** A topic was asked for that is not in the group's list: everything is shown. */
    unknownFilter: boolean;
  };
  /** The group's pinned posts, in pin order (first page only). */
  pinned: PinnedView;
}

/**
 * What a member's view of a post never uses (its history, earlier versions, screening findings,
 * decision and claim): left in the database, so a page of posts reads and decodes less.
 */
const MEMBER_VIEW_OMITS = {
  history: 0,
  revisions: 0,
  findings: 0,
  decision: 0,
  claim: 0,
  idempotencyKey: 0,
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const THREADS_PER_PAGE = 20;
const REPLIES_PER_THREAD = 200;

const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));

/** Median of positive minute samples; null when there are none. */
export function medianMinutes(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return Math.max(1, Math.round(value));
}

export function supportContactsFor(group: GroupDoc): SupportContact[] {
  const own = (group.supportContacts ?? []).map((c) => ({ label: c.label, detail: c.detail }));
  return own.length > 0 ? own : en.posts.defaultSupport.map((c) => ({ ...c }));
}

export function nudgesFor(findings: readonly Finding[]): string[] {
  const kinds = [...new Set(findings.map((f) => f.kind))];
  return kinds.map((k) => en.posts.nudges[k]);
}

/** A post as every member sees it, and its author, so that each viewer's `mine` can be set. */
interface SharedPostView {
  authorId: string;
  view: MemberPostView;
}

/**
 * One page of a group's published threads (newest activity last) and their replies, with the
 * members' view of each post. It is the same for every member, so when many open the group at
 * once it is read and presented once (batched.ts); only `mine` differs by viewer.
 */
const threadPage = coalesced(
  (
    groupId: Types.ObjectId,
    topic: string | null,
    before: string | null,
    limit: number,
    _topics?: ReadonlyMap<string, string>,
  ) => `${String(groupId)}|${topic ?? ''}|${before ?? ''}|${limit}`,
  async (
    groupId: Types.ObjectId,
    topic: string | null,
    before: string | null,
    limit: number,
    // The group's topic names: the same for everyone asking about this group at this moment.
    topics?: ReadonlyMap<string, string>,
  ) => {
    const extra: Record<string, unknown> = { parent: null };
    // Threads are filtered by their first post's topic; replies follow their thread.
    if (topic) extra.topic = topic;
    if (before) {
      const [ms, id] = before.split('_');
      const at = new Date(Number(ms));
      extra.$or = [
        { lastActivityAt: trusted({ $lt: at }) },
        { lastActivityAt: at, _id: trusted({ $lt: oid(id as string) }) },
      ];
    }
    const tops = await Post.find(visibleToMembers(groupId, extra))
      .select(MEMBER_VIEW_OMITS)
      .sort({ lastActivityAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<PostDoc[]>();
    const more = tops.length > limit;
    const page = tops.slice(0, limit).reverse();
    const ids = page.map((p) => p._id);
    const replies = ids.length
      ? await Post.find(visibleToMembers(groupId, { parent: trusted({ $in: ids }) }))
          .select(MEMBER_VIEW_OMITS)
          .sort({ seq: 1 })
          .limit(REPLIES_PER_THREAD * ids.length)
          .lean<PostDoc[]>()
      : [];
    const authors = await displayNames([...page, ...replies].map((p) => String(p.author)));
    const shared = (p: PostDoc): SharedPostView => ({
      authorId: String(p.author),
      view: presentMemberPost(p, authors, null, topics),
    });
    return { page, more, pageViews: page.map(shared), replyViews: replies.map(shared) };
  },
);

/** The shared view, or a copy marked as the viewer's own. */
function viewFor(shared: SharedPostView, viewerId: string): MemberPostView {
  return shared.authorId === viewerId ? { ...shared.view, mine: true } : shared.view;
}

type Ask = { group: Types.ObjectId; author: Types.ObjectId };

/** A member's own waiting and not-published posts in a group, oldest first (batched.ts). */
const ownUnpublished = batched(async (asks: Ask[]) => {
  // privileged read: each asker gets only their own posts in that group (split below)
  const found = await Post.find({
    group: trusted({ $in: uniqueBy(asks.map((a) => a.group)) }),
    author: trusted({ $in: uniqueBy(asks.map((a) => a.author)) }),
    status: trusted({ $in: ['pending', 'rejected'] }),
  })
    .sort({ submittedAt: 1 })
    .lean<PostDoc[]>();
  const byAsk = groupBy(found, (p) => `${String(p.group)}:${String(p.author)}`);
  return asks.map((a) => byAsk.get(`${String(a.group)}:${String(a.author)}`) ?? []);
});

/** A member's own reactions to these posts (batched.ts). */
const reactionsBy = batched(async (asks: Array<{ user: Types.ObjectId; posts: string[] }>) => {
  const found = await Reaction.find({
    user: trusted({ $in: uniqueBy(asks.map((a) => a.user)) }),
    post: trusted({ $in: [...new Set(asks.flatMap((a) => a.posts))].map(oid) }),
  })
    .select({ user: 1, post: 1, kind: 1 })
    .lean();
  const byUser = groupBy(found, (r) => String(r.user));
  return asks.map((a) => {
    const posts = new Set(a.posts);
    return (byUser.get(String(a.user)) ?? []).filter((r) => posts.has(String(r.post)));
  });
});

/** Display names by user id; concurrent asks share one query (batched.ts). */
export async function displayNames(ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  return unique.length ? namesOf(unique) : new Map();
}

const namesOf = batched(async (lists: string[][]) => {
  const users = await User.find({ _id: trusted({ $in: uniqueBy(lists.flat()).map(oid) }) })
    .select({ displayName: 1, status: 1 })
    .lean();
  const all = new Map(
    users.map((u) => [String(u._id), u.status === 'erased' ? FORMER_MEMBER : u.displayName]),
  );
  // Each caller gets the names it asked for, never those another caller asked for.
  return lists.map((ids) => {
    const mine = new Map<string, string>();
    for (const id of ids) {
      const name = all.get(id);
      if (name !== undefined) mine.set(id, name);
    }
    return mine;
  });
});

function viewerFacts(actor: Actor, access: GroupAccess): ViewerFacts {
  return { userId: String(actor.userId), isMember: true, isModerator: access.isModerator };
}

/** A group's rules as the views cite them (id and title). */
export function ruleLabels(group: Pick<GroupDoc, 'rules'>) {
  return (group.rules ?? []).map((r) => ({ ruleId: r.ruleId, title: r.title }));
}

function toFindings(findings: readonly Finding[]) {
  return findings.map((f) => ({ kind: f.kind, detail: f.code }));
}

export function createPostService(deps: Deps) {
  const { clock } = deps;

  /**
   * The median time to a decision over the last week (the last 100 decisions at most). Asked on
   * every conversation page and every submit, and it moves slowly: each group's figure is kept
   * for a minute (by the app's clock) instead of re-reading a hundred posts each time.
   */
  const typicalCache = new Map<string, { at: number; minutes: number | null }>();
  async function typicalDecisionMinutes(group: GroupDoc, now: Date): Promise<number | null> {
    const key = String(group._id);
    const hit = typicalCache.get(key);
    if (hit && now.getTime() - hit.at >= 0 && now.getTime() - hit.at < 60_000) return hit.minutes;
    // privileged read: decision timings only (no bodies leave this function)
    const decided = await Post.find({
      group: group._id,
      'decision.at': trusted({ $gte: new Date(now.getTime() - 7 * DAY_MS) }),
      'decision.action': trusted({ $in: ['approved', 'rejected'] }),
    })
      .select({ submittedAt: 1, 'decision.at': 1 })
      .sort({ 'decision.at': -1 })
      .limit(100)
      .lean<PostDoc[]>();
    const minutes = medianMinutes(
      decided
        .filter((p) => p.decision?.at)
        .map((p) => ((p.decision?.at as Date).getTime() - p.submittedAt.getTime()) / 60_000),
    );
    if (typicalCache.size > 10_000) typicalCache.clear(); // bounded: one entry per group
    typicalCache.set(key, { at: now.getTime(), minutes });
    return minutes;
  }

  async function expectedWait(group: GroupDoc, coverage?: Promise<Coverage>): Promise<WaitView> {
    const now = clock.now();
    // Covered hours (business hours plus the moderators' rota), not business hours alone.
    const { hours, slots } = await (coverage ?? loadCoverage(group));
    const status = coverageStatus(hours, slots, now);
    if (!status.onDuty) {
      return {
        open: false,
        text: status.text,
        typicalMinutes: null,
        resumesAt: status.resumesAt?.toISOString() ?? null,
      };
    }
    const typical =
      (await typicalDecisionMinutes(group, now)) ?? group.settings?.responseTargetMinutes ?? 30;
    return {
      open: true,
      text: `${en.coverage.onDutyNow} ${en.posts.waitOpen(typical)}`,
      typicalMinutes: typical,
      resumesAt: null,
    };
  }

  /** After a post enters (or re-enters) the queue: live updates, queue notices, threat alerts. */
  async function afterQueued(
    actor: Actor,
    group: GroupDoc,
    post: PostDoc,
    findings: readonly Finding[],
    notify: { queue: boolean; threat: boolean },
    known?: Promise<Coverage>,
  ): Promise<void> {
    const coverage = () => (known ??= loadCoverage(group));
    const groupId = String(group._id);
    deps.events.emit('post.pending_changed', {
      groupId,
      postId: String(post._id),
      authorId: String(actor.userId),
      view: presentOwnPost(post, ruleLabels(group), topicNames(group)),
    });
    deps.events.emit('queue.changed', { groupId, postId: String(post._id) });
    const data = { groupSlug: group.slug, groupName: group.name };
    // Queue alerts follow the rota and covered hours (server/services/coverage-alerts.ts).
    if (notify.queue) {
      await alertNewQueueItem(deps, {
        group,
        post,
        authorId: String(actor.userId),
        crisis: isCrisis(findings),
        threat: isThreat(findings),
        coverage: coverage(),
      });
    }
    const notes: NewNotification[] = [];
    if (notify.threat && isThreat(findings)) {
      const admins = await User.find({ siteRole: 'admin', status: 'active' })
        .select({ _id: 1 })
        .lean();
      const { moderatorIds } = await coverage();
      const staff = new Set([...moderatorIds, ...admins.map((a) => String(a._id))]);
      staff.delete(String(actor.userId));
      for (const userId of staff) {
        notes.push({
          userId,
          kind: 'threat_alert',
          groupId,
          postId: String(post._id),
          data: { ...data, priority: true, guidance: en.posts.threatGuidance },
        });
      }
      deps.log.warn(
        { event: 'post.threat_alert', postId: String(post._id), groupId },
        'threat alert',
      );
    }
    await createNotifications(deps, notes);
  }

  async function storedResult(
    group: GroupDoc,
    post: PostDoc,
    created: boolean,
    coverage?: Promise<Coverage>,
  ): Promise<Extract<StoreResult, { status: 'stored' }>> {
    const view = presentOwnPost(post, ruleLabels(group), topicNames(group));
    return {
      status: 'stored',
      created,
      post: view,
      wait: await expectedWait(group, coverage),
      support: view.crisis ? supportContactsFor(group) : null,
    };
  }

  /** The author's own post (any status); 404 for anyone else and outside groups they may enter. */
  async function ownPost(actor: Actor, postId: string, need: 'enter' | 'participate') {
    // privileged read: the author's own post
    const post = await Post.findOne({ _id: oid(postId), author: actor.userId }).lean<PostDoc>();
    if (!post) throw new NotFoundError(en.posts.errors.notFound);
    const access = await requireGroupAccess(clock, actor, String(post.group), need);
    return { post, access };
  }

  async function membersView(
    posts: PostDoc[],
    actor: Actor,
    group: GroupDoc,
  ): Promise<MemberPostView[]> {
    const names = await displayNames(posts.map((p) => String(p.author)));
    const topics = topicNames(group);
    return posts.map((p) => presentMemberPost(p, names, String(actor.userId), topics));
  }

  return {
    visibleToMembers,
    expectedWait,

    /**
     * Stores a post or reply as pending (after screening), then acknowledges. A retried submit
     * with the same idempotency key returns the stored post, never a second one.
     */
    /**
     * Stores a member's post for review. Resolves once the moderators' notices are written too;
     * `onStored` hears the answer as soon as the post itself is durable (what the author waits for).
     */
    async submitPost(
      actor: Actor,
      input: SubmitPostInput,
      opts: { onStored?: (result: StoreResult) => void } = {},
    ): Promise<StoreResult> {
      const access = await requireGroupAccess(clock, actor, input.group, 'participate');
      const { group } = access;
      // A retry with the same idempotency key meets the unique (author, key) index at insert and
      // gets the stored post back (below): no lookup before every first attempt.
      // An unknown or retired topic, or a topic on a reply, is refused with a plain reason.
      const topic = checkPostTopic(group, input.topic, !!input.parentId);

      let parent: Types.ObjectId | null = null;
      if (input.parentId) {
        const p = await Post.findOne(
          visibleToMembers(group._id, { _id: oid(input.parentId), parent: null }),
        )
          .select({ _id: 1 })
          .lean();
        if (!p) throw new NotFoundError(en.posts.errors.parentNotFound);
        parent = p._id;
      }

      const findings = screen(input.body);
      if (needsConfirmation(findings) && !input.acknowledgedFindings) {
        return {
          status: 'needs_confirmation',
          findings: findings.map((f) => ({ kind: f.kind, code: f.code })),
          nudges: nudgesFor(findings),
        };
      }
      const now = clock.now();
      // Read while the post is written (the wait shown to the author and who is told of the
      // new queue item): one round trip less between the stored post and its answer.
      const coverage = loadCoverage(group);
      coverage.catch(() => undefined); // settled below, unless storing fails first
      let post: PostDoc;
      try {
        const created = await Post.create({
          group: group._id,
          author: actor.userId,
          parent,
          body: input.body,
          topic,
          status: 'pending',
          version: 1,
          idempotencyKey: input.idempotencyKey,
          submittedAt: now,
          lane: isCrisis(findings) ? 'priority' : 'normal',
          findings: toFindings(findings),
          history: [{ action: 'submitted', by: actor.userId, at: now, toStatus: 'pending' }],
        });
        post = created.toObject() as PostDoc;
      } catch (error) {
        // A retry (or one racing the first attempt): the unique (author, key) index kept one.
        if ((error as { code?: number }).code === 11000) {
          // privileged read: the author's own submission
          const again = await Post.findOne({
            author: actor.userId,
            idempotencyKey: input.idempotencyKey,
          }).lean<PostDoc>();
          if (again) {
            if (String(again.group) !== String(group._id)) {
              throw new ConflictError(en.posts.errors.changed);
            }
            return storedResult(group, again, false, coverage);
          }
        }
        throw error;
      }
      deps.log.info(
        {
          event: 'post.submitted',
          postId: String(post._id),
          groupId: String(group._id),
          lane: post.lane,
        },
        'post submitted',
      );
      // The post is stored: the queue notices and the author's answer (with the expected wait)
      // do not depend on each other.
      const answer = storedResult(group, post, true, coverage);
      if (opts.onStored) void answer.then(opts.onStored, () => undefined);
      const [, stored] = await Promise.all([
        afterQueued(actor, group, post, findings, { queue: true, threat: true }, coverage),
        answer,
      ]);
      return stored;
    },

    /** The author changes a post that is still waiting. */
    async editPost(actor: Actor, input: EditPostInput): Promise<StoreResult> {
      const { post, access } = await ownPost(actor, input.postId, 'participate');
      return revise(actor, access, post, input, 'author_edit');
    },

    /** The author revises a post that was not published and sends it back to the queue. */
    async resubmitPost(actor: Actor, input: EditPostInput): Promise<StoreResult> {
      const { post, access } = await ownPost(actor, input.postId, 'participate');
      return revise(actor, access, post, input, 'resubmitted');
    },

    /** The author takes back a waiting or rejected post. */
    async withdrawPost(actor: Actor, input: PostRefInput): Promise<OwnPostView> {
      const { post, access } = await ownPost(actor, input.postId, 'enter');
      if (
        !canWithdrawPost(viewerFacts(actor, access), {
          authorId: String(post.author),
          status: post.status,
        })
      ) {
        throw new ConflictError(en.posts.errors.notEditable);
      }
      const now = clock.now();
      const updated = await Post.findOneAndUpdate(
        { _id: post._id, author: actor.userId, status: trusted({ $in: ['pending', 'rejected'] }) },
        {
          $set: { status: 'withdrawn', 'claim.by': null, 'claim.until': null },
          $inc: { version: 1 },
          $push: {
            history: {
              action: 'withdrawn',
              by: actor.userId,
              at: now,
              fromStatus: post.status,
              toStatus: 'withdrawn',
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (!updated) throw new ConflictError(en.posts.errors.notEditable);
      const groupId = String(access.group._id);
      deps.events.emit('post.pending_changed', {
        groupId,
        postId: String(post._id),
        authorId: String(actor.userId),
      });
      deps.events.emit('queue.changed', { groupId, postId: String(post._id) });
      return presentOwnPost(updated, ruleLabels(access.group), topicNames(access.group));
    },

    /** A page of threads (newest activity last), with the viewer's own waiting posts in place. */
    async listConversation(actor: Actor, input: PageInput): Promise<ConversationPage> {
      const access = await requireGroupAccess(clock, actor, input.group, 'enter');
      const { group, membership } = access;
      const limit = input.limit ?? THREADS_PER_PAGE;
      const topicList = topicsOf(group);
      const names = topicNames(group);
      const filter = input.topic ? topicList.find((t) => t.topicId === input.topic) : undefined;
      // None of these depends on the threads: asked while they load.
      const wait = expectedWait(group);
      const pinned: Promise<PinnedView> = input.before
        ? Promise.resolve({ posts: [], ids: [] })
        : pinnedPostsOf(group._id, String(actor.userId));
      pinned.catch(() => undefined);
      const ownLoad: Promise<PostDoc[]> = input.before
        ? Promise.resolve([])
        : ownUnpublished({ group: group._id, author: actor.userId });
      // Settled later; a failure must not go unhandled while the threads load.
      wait.catch(() => undefined);
      ownLoad.catch(() => undefined);
      const { page, more, pageViews, replyViews } = await threadPage(
        group._id,
        filter?.topicId ?? null,
        input.before ?? null,
        limit,
        names,
      );
      const ids = page.map((p) => p._id);
      const [own, reactions] = await Promise.all([
        ownLoad,
        reactionsBy({
          user: actor.userId,
          posts: [...pageViews, ...replyViews].map((p) => p.view.id),
        }),
      ]);
      const viewerId = String(actor.userId);
      const rules = ruleLabels(group);
      const ownViews = own.map((p) => presentOwnPost(p, rules, names));
      // Replies by thread, in one pass (not every reply compared with every thread).
      const repliesOf = groupBy(
        replyViews.map((r) => viewFor(r, viewerId)),
        (r) => r.parentId ?? '',
      );
      const threads: ThreadView[] = pageViews.map((p) => ({
        post: viewFor(p, viewerId),
        replies: repliesOf.get(p.view.id) ?? [],
        ownReplies: ownViews.filter((o) => o.parentId === p.view.id),
      }));
      const myReactions: Record<string, ReactionKind[]> = {};
      for (const r of reactions) (myReactions[String(r.post)] ??= []).push(r.kind);
      const oldest = page[0];
      const hasOwnCrisis = ownViews.some((o) => o.crisis && o.status === 'pending');
      return {
        group: {
          id: String(group._id),
          slug: group.slug,
          name: group.name,
          rules,
          timeZone: group.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone,
          disclaimer: group.disclaimer ?? '',
        },
        threads,
        ownPosts: ownViews.filter((o) => !o.parentId || !ids.some((i) => String(i) === o.parentId)),
        earlierCursor:
          more && oldest
            ? `${(oldest.lastActivityAt ?? oldest.submittedAt).getTime()}_${String(oldest._id)}`
            : null,
        lastReadSeq: membership.lastReadSeq ?? 0,
        lastSeq: group.lastSeq ?? 0,
        myReactions,
        canParticipate: access.canParticipate,
        mutedUntil: access.mutedUntil?.toISOString() ?? null,
        consentPending: access.consentPending,
        isModerator: access.isModerator,
        isAdvocate: access.isAdvocate,
        wait: await wait,
        pinned: await pinned,
        support: hasOwnCrisis ? supportContactsFor(group) : null,
        topics: {
          list: topicList,
          filter: filter ? { id: filter.topicId, name: filter.name } : null,
          unknownFilter: !!input.topic && !filter,
        },
      };
    },

    /** Approved posts and replies published after `afterSeq`, in order, a bounded page. */
    async catchUp(
      actor: Actor,
      input: CatchUpInput,
    ): Promise<{ groupId: string; posts: MemberPostView[]; more: boolean; lastSeq: number }> {
      const { group } = await requireGroupAccess(clock, actor, input.groupId, 'enter');
      const limit = input.limit ?? 100;
      const posts = await Post.find(
        visibleToMembers(group._id, { seq: trusted({ $gt: input.afterSeq }) }),
      )
        .select(MEMBER_VIEW_OMITS)
        .sort({ seq: 1 })
        .limit(limit + 1)
        .lean<PostDoc[]>();
      const more = posts.length > limit;
      return {
        groupId: String(group._id),
        posts: await membersView(posts.slice(0, limit), actor, group),
        more,
        lastSeq: group.lastSeq ?? 0,
      };
    },

    /** Moves the member's unread marker forward (never back). */
    async markRead(actor: Actor, input: MarkReadInput): Promise<{ lastReadSeq: number }> {
      const { group, membership } = await requireGroupAccess(clock, actor, input.groupId, 'enter');
      const seq = Math.min(input.seq, group.lastSeq ?? 0);
      await Membership.updateOne(
        { _id: membership._id, lastReadSeq: trusted({ $lt: seq }) },
        { $set: { lastReadSeq: seq } },
      );
      return { lastReadSeq: Math.max(seq, membership.lastReadSeq ?? 0) };
    },

    /** Unread approved posts per group the actor may enter. */
    async unreadCounts(
      actor: Actor,
    ): Promise<Array<{ groupId: string; slug: string; name: string; unread: number }>> {
      const memberships = await Membership.find({ user: actor.userId, status: 'active' }).lean();
      const out: Array<{ groupId: string; slug: string; name: string; unread: number }> = [];
      for (const m of memberships) {
        const group = await Group.findById(m.group).select({ slug: 1, name: 1 }).lean();
        if (!group) continue;
        try {
          await requireGroupAccess(clock, actor, String(group._id), 'enter');
        } catch {
          continue; // suspended: no counts for a group they cannot enter
        }
        const unread = await Post.countDocuments(
          visibleToMembers(group._id, { seq: trusted({ $gt: m.lastReadSeq ?? 0 }) }),
        );
        out.push({ groupId: String(group._id), slug: group.slug, name: group.name, unread });
      }
      return out;
    },

    /** Toggles a supportive reaction on an approved post. No review: the set is fixed and kind. */
    async reactToPost(
      actor: Actor,
      input: ReactInput,
    ): Promise<{ postId: string; reactions: ReactionCounts; mine: boolean }> {
      // privileged read: only the group id, to check access before anything else is read
      const ref = await Post.findById(oid(input.postId)).select({ group: 1 }).lean();
      if (!ref) throw new NotFoundError(en.posts.errors.notFound);
      const { group } = await requireGroupAccess(clock, actor, String(ref.group), 'participate');
      const post = await Post.findOne(
        visibleToMembers(group._id, { _id: ref._id }),
      ).lean<PostDoc>();
      if (!post) throw new NotFoundError(en.posts.errors.notFound);
      const kind = input.kind;
      let delta = 1;
      try {
        await Reaction.create({ post: post._id, group: group._id, user: actor.userId, kind });
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        const removed = await Reaction.deleteOne({ post: post._id, user: actor.userId, kind });
        delta = removed.deletedCount ? -1 : 0;
      }
      const updated = delta
        ? await Post.findOneAndUpdate(
            visibleToMembers(group._id, { _id: post._id }),
            { $inc: { [`reactionCounts.${kind}`]: delta } },
            { returnDocument: 'after' },
          ).lean<PostDoc>()
        : post;
      const view = presentMemberPost(updated ?? post, new Map(), String(actor.userId));
      deps.events.emit('post.reactions_changed', { groupId: String(group._id), postId: view.id });
      if (delta > 0 && String(post.author) !== String(actor.userId)) {
        await notifyReaction(deps, {
          authorId: String(post.author),
          postId: view.id,
          groupId: String(group._id),
          groupSlug: group.slug,
          groupName: group.name,
        });
      }
      return { postId: view.id, reactions: view.reactions, mine: delta > 0 };
    },
  };

  async function revise(
    actor: Actor,
    access: GroupAccess,
    post: PostDoc,
    input: EditPostInput,
    reason: 'author_edit' | 'resubmitted',
  ): Promise<StoreResult> {
    const viewer = viewerFacts(actor, access);
    const facts = { authorId: String(post.author), status: post.status };
    const allowed =
      reason === 'author_edit' ? canEditPost(viewer, facts) : canResubmitPost(viewer, facts);
    if (!allowed) throw new ConflictError(en.posts.errors.notEditable);
    const version = input.version ?? post.version;
    const findings = screen(input.body);
    if (needsConfirmation(findings) && !input.acknowledgedFindings) {
      return {
        status: 'needs_confirmation',
        findings: findings.map((f) => ({ kind: f.kind, code: f.code })),
        nudges: nudgesFor(findings),
      };
    }
    const now = clock.now();
    const fromStatus = reason === 'author_edit' ? 'pending' : 'rejected';
    const set: Record<string, unknown> = {
      body: input.body,
      findings: toFindings(findings),
      lane: isCrisis(findings) || post.lane === 'priority' ? 'priority' : 'normal',
      status: 'pending',
    };
    const update: Record<string, unknown> = {
      $set: set,
      $inc: { version: 1 },
      $push: {
        revisions: { body: post.body, at: now, by: actor.userId, reason },
        history: { action: reason, by: actor.userId, at: now, fromStatus, toStatus: 'pending' },
      },
    };
    if (reason === 'resubmitted') {
      set.submittedAt = now;
      set['claim.by'] = null;
      set['claim.until'] = null;
      update.$unset = { decision: 1 };
    }
    const updated = await Post.findOneAndUpdate(
      { _id: post._id, author: actor.userId, status: fromStatus, version },
      update,
      { returnDocument: 'after' },
    ).lean<PostDoc>();
    if (!updated) throw new ConflictError(en.posts.errors.changed);
    const hadThreat = (post.findings ?? []).some((f) => f.kind === 'threat');
    await afterQueued(actor, access.group, updated, findings, {
      queue: reason === 'resubmitted',
      threat: !hadThreat || reason === 'resubmitted',
    });
    return storedResult(access.group, updated, false);
  }
}

export type PostService = ReturnType<typeof createPostService>;
