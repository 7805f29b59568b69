// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Post, type GroupDoc, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { canUndo, claimedByOther, type ViewerFacts } from '../policies/post';
import {
  FORMER_MEMBER,
  presentMemberPost,
  presentOwnPost,
  presentQueueItem,
  type QueueItemView,
} from '../presenters/posts';
import type {
  ApproveManyInput,
  EditApproveInput,
  PostRefInput,
  RejectInput,
} from '../schemas/posts';
import { recordAudit } from './audit';
import { batched, uniqueBy } from './batched';
import { isCovered } from './coverage';
import { loadCoverage } from './coverage-load';
import { requireGroupAccess, type GroupAccess } from './group-access';
import { nextSeq } from './group-seq';
import { createNotifications } from './notifications';
import { displayNames, ruleLabels } from './posts';
import { topicNames, topicsOf, type Topic } from './topic-list';

/**
 * The moderators' side: the queue, claims, and decisions. Every decision is ONE conditional
 * update guarded by status, version and claim (Discourse's Reviewable idea without transactions):
 * status, decision, sequence number, version and the history entry change together or not at all.
 * Then the audit event (ids only), then notifications and domain events.
 */
export const CLAIM_MS = 5 * 60_000;
export const UNDO_MS = 60_000;

const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));

/** Posts by id for decisions, concurrent ones in one query (batched.ts: nothing is cached). */
const postById = batched(async (ids: Types.ObjectId[]) => {
  // privileged read: moderators only (every caller checks access before anything is used)
  const found = await Post.find({ _id: trusted({ $in: uniqueBy(ids) }) }).lean<PostDoc[]>();
  const byId = new Map(found.map((p) => [String(p._id), p]));
  return ids.map((id) => byId.get(String(id)) ?? null);
});

export interface DecisionResult {
  postId: string;
  status: 'approved' | 'rejected' | 'pending';
  version: number;
  undoUntil: string | null;
}

function requireVersion(version: number | undefined): number {
  if (version === undefined) {
    throw new AppError('version_required', 422, en.posts.errors.versionRequired);
  }
  return version;
}

function facts(actor: Actor, access: GroupAccess): ViewerFacts {
  return { userId: String(actor.userId), isMember: true, isModerator: access.isModerator };
}

/** Claim lapsed, absent, or mine: the condition every decision carries into its update. */
function claimOk(actor: Actor, now: Date) {
  return {
    $or: [
      { 'claim.by': null },
      { 'claim.until': trusted({ $lte: now }) },
      { 'claim.by': actor.userId },
    ],
  };
}

export function createReviewService(deps: Deps) {
  const { clock } = deps;

  /** Loads a post for a moderator of its group; 404 for everyone else (and for missing posts). */
  /** The author's own view of a post just decided, for their live update. */
  function ownViewOf(post: PostDoc, group: GroupDoc) {
    const rules = ruleLabels(group);
    return presentOwnPost(post, rules, topicNames(group));
  }

  async function moderatedPost(actor: Actor, postId: string) {
    const post = await postById(oid(postId));
    if (!post) throw new NotFoundError(en.posts.errors.notFound);
    const access = await requireGroupAccess(clock, actor, String(post.group), 'moderate');
    return { post, access };
  }

  /** Why a conditional update matched nothing, as the error the moderator should see. */
  async function conflictFor(actor: Actor, postId: Types.ObjectId, expectedVersion: number) {
    // privileged read: moderators only (caller already passed the moderator check)
    const now = await Post.findById(postId).lean<PostDoc>();
    if (!now) return new NotFoundError(en.posts.errors.notFound);
    if (now.status !== 'pending') {
      return new ConflictError(
        en.posts.errors.alreadyDecided(now.decision?.byName ?? now.status),
        'post_already_decided',
        { status: now.status, by: now.decision?.byName ?? null },
      );
    }
    const claimBy = now.claim?.by ? String(now.claim.by) : null;
    if (
      claimedByOther(
        { userId: String(actor.userId), isMember: true, isModerator: true },
        { authorId: String(now.author), status: now.status, claimBy, claimUntil: now.claim?.until },
        clock.now(),
      )
    ) {
      return new ConflictError(
        en.posts.errors.claimed(now.claim?.byName ?? FORMER_MEMBER),
        'post_claimed',
        {
          by: now.claim?.byName ?? null,
        },
      );
    }
    if (now.version !== expectedVersion) {
      return new ConflictError(en.posts.errors.changed, 'conflict', { version: now.version });
    }
    return new ConflictError(en.posts.errors.changed, 'conflict');
  }

  async function audit(actor: Actor, post: PostDoc, action: string, ruleId?: string) {
    await recordAudit(deps, {
      key: `post:${String(post._id)}:v${post.version}`,
      action,
      actor: actor.userId,
      group: post.group,
      targetType: 'post',
      targetId: post._id,
      ...(ruleId ? { ruleId } : {}),
      meta: { version: post.version, lane: post.lane },
    });
  }

  function result(post: PostDoc): DecisionResult {
    return {
      postId: String(post._id),
      status: post.status as DecisionResult['status'],
      version: post.version,
      undoUntil: post.decision?.undoUntil?.toISOString() ?? null,
    };
  }

  async function approve(
    actor: Actor,
    postId: string,
    versionIn: number | undefined,
    editedBody?: string,
  ): Promise<DecisionResult> {
    // Who may act is settled before what they sent is judged (404 before 422).
    const { post, access } = await moderatedPost(actor, postId);
    const version = requireVersion(versionIn);
    const group = access.group;
    const now = clock.now();
    // Fail fast without using a sequence number when the post is plainly decided already.
    if (post.status !== 'pending') throw await conflictFor(actor, post._id, version);
    // The author's name for the members' view, read while the number is taken.
    const authorNames = displayNames([String(post.author)]);
    authorNames.catch(() => undefined); // awaited below, unless the decision fails first
    const seq = await nextSeq(group._id);
    if (seq === null) throw new NotFoundError();
    const edited = editedBody !== undefined && editedBody !== post.body;
    const set: Record<string, unknown> = {
      status: 'approved',
      seq,
      publishedAt: now,
      lastActivityAt: now,
      decision: {
        action: 'approved',
        by: actor.userId,
        byName: actor.displayName,
        at: now,
        undoUntil: new Date(now.getTime() + UNDO_MS),
        previousStatus: 'pending',
      },
      'claim.by': null,
      'claim.until': null,
    };
    const push: Record<string, unknown> = {
      history: {
        action: edited ? 'edited_and_approved' : 'approved',
        by: actor.userId,
        at: now,
        fromStatus: 'pending',
        toStatus: 'approved',
      },
    };
    if (edited) {
      set.body = editedBody;
      set.editedByModerator = true;
      push.revisions = { body: post.body, at: now, by: actor.userId, reason: 'moderator_edit' };
    }
    const updated = await Post.findOneAndUpdate(
      { _id: post._id, status: 'pending', version, ...claimOk(actor, now) },
      { $set: set, $inc: { version: 1 }, $push: push },
      { returnDocument: 'after' },
    ).lean<PostDoc>();
    if (!updated) throw await conflictFor(actor, post._id, version);
    const groupId = String(group._id);
    // The decision is durable: members get the post now, while its audit record and the
    // notifications are written (the moderator's acknowledgement waits for those).
    // Presented here, so the broadcast leaves in this same tick: nothing (a hide, an undo) can
    // overtake it on the way to members.
    deps.events.emit('post.published', {
      groupId,
      postId: String(updated._id),
      seq,
      view: presentMemberPost(updated, await authorNames, null, topicNames(group)),
    });

    const data = { groupSlug: group.slug, groupName: group.name };
    const notes: Parameters<typeof createNotifications>[1] = [
      {
        userId: updated.author,
        kind: edited ? 'post_edited_by_moderator' : 'post_approved',
        groupId: group._id,
        postId: updated._id,
        data,
      },
    ];
    if (updated.parent) {
      // Only the parent's author id is used, to tell them about the reply.
      const parent = await postById(updated.parent);
      if (parent && String(parent.author) !== String(updated.author)) {
        notes.push({
          userId: parent.author,
          kind: 'reply',
          groupId: group._id,
          postId: updated._id,
          data,
        });
      }
    }
    // The decision is committed; its follow-up writes are independent of each other, so they
    // share one journal flush instead of waiting for three in a row before members see the post.
    await Promise.all([
      updated.parent
        ? Post.updateOne(
            { _id: updated.parent, group: group._id },
            { $inc: { replyCount: 1 }, $set: { lastActivityAt: now } },
          )
        : null,
      audit(actor, updated, edited ? 'post.edited_and_approved' : 'post.approved'),
      createNotifications(deps, notes),
    ]);
    deps.events.emit('review.decided', {
      groupId,
      postId: String(updated._id),
      authorId: String(updated.author),
      action: 'approved',
      post: ownViewOf(updated, group),
    });
    deps.events.emit('queue.changed', { groupId, postId: String(updated._id) });
    deps.log.info(
      { event: 'post.approved', postId: String(updated._id), groupId, seq },
      'post approved',
    );
    return result(updated);
  }

  return {
    /** Pending posts of one group: priority lane first, then the longest waiting. */
    async listQueue(
      actor: Actor,
      input: { group: string },
    ): Promise<{
      group: {
        id: string;
        slug: string;
        name: string;
        rules: Array<{ ruleId: string; title: string }>;
        /** The group's topics (a moderator may change a waiting post's topic). */
        topics: Topic[];
      };
      items: QueueItemView[];
      recent: Array<{
        id: string;
        status: string;
        version: number;
        authorName: string;
        undoUntil: string;
      }>;
      open: boolean;
      /** The server's time, so the page can tell lateness by it rather than the device's clock. */
      now: string;
      isAdvocate: boolean;
      consentPending: string[];
    }> {
      const access = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const { group } = access;
      // privileged read: the moderators' queue
      const posts = await Post.find({ group: group._id, status: 'pending' })
        .sort({ lane: -1, submittedAt: 1 }) // 'priority' sorts after 'normal'
        .limit(500)
        .lean<PostDoc[]>();
      const authors = [...new Set(posts.map((p) => String(p.author)))];
      // privileged read: counts of decided posts per author, for the track record
      const decided = authors.length
        ? await Post.find({
            group: group._id,
            author: trusted({ $in: authors.map(oid) }),
            status: trusted({ $in: ['approved', 'rejected', 'hidden'] }),
          })
            .select({ author: 1, status: 1 })
            .lean()
        : [];
      const track = new Map<string, { approved: number; rejected: number }>();
      for (const d of decided) {
        const t = track.get(String(d.author)) ?? { approved: 0, rejected: 0 };
        if (d.status === 'rejected') t.rejected += 1;
        else t.approved += 1;
        track.set(String(d.author), t);
      }
      const now = clock.now();
      // privileged read: this moderator's own decisions that can still be undone
      const undoable = await Post.find({
        group: group._id,
        'decision.by': actor.userId,
        'decision.undoUntil': trusted({ $gt: now }),
        status: trusted({ $in: ['approved', 'rejected'] }),
      })
        .sort({ 'decision.at': -1 })
        .limit(20)
        .lean<PostDoc[]>();
      const names = await displayNames([...authors, ...undoable.map((p) => String(p.author))]);
      const recent = undoable.map((p) => ({
        id: String(p._id),
        status: p.status,
        version: p.version,
        authorName: names.get(String(p.author)) ?? FORMER_MEMBER,
        undoUntil: p.decision?.undoUntil?.toISOString() ?? '',
      }));
      // Lateness and "open" follow covered hours: business hours plus the rota.
      const { hours, slots } = await loadCoverage(group);
      const open = isCovered(hours, slots, now);
      const ctx = {
        slots,
        viewer: facts(actor, access),
        names,
        track,
        now,
        hours,
        responseTargetMinutes: group.settings?.responseTargetMinutes ?? 30,
        crisisTargetMinutes: group.settings?.crisisTargetMinutes ?? 5,
      };
      return {
        group: {
          id: String(group._id),
          slug: group.slug,
          name: group.name,
          rules: ruleLabels(group),
          topics: topicsOf(group),
        },
        items: posts.map((p) => presentQueueItem(p, ctx)),
        recent,
        open,
        now: now.toISOString(),
        isAdvocate: access.isAdvocate,
        consentPending: access.consentPending,
      };
    },

    /** "I am reviewing this": others see who, and cannot decide it until the claim lapses. */
    async claimPost(actor: Actor, input: PostRefInput): Promise<{ postId: string; until: string }> {
      const { post, access } = await moderatedPost(actor, input.postId);
      const now = clock.now();
      const until = new Date(now.getTime() + CLAIM_MS);
      const updated = await Post.findOneAndUpdate(
        { _id: post._id, status: 'pending', ...claimOk(actor, now) },
        {
          $set: {
            'claim.by': actor.userId,
            'claim.byName': actor.displayName,
            'claim.until': until,
          },
          $push: { history: { action: 'claimed', by: actor.userId, at: now } },
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (!updated) throw await conflictFor(actor, post._id, post.version);
      deps.events.emit('queue.changed', {
        groupId: String(access.group._id),
        postId: String(post._id),
      });
      return { postId: String(post._id), until: until.toISOString() };
    },

    /** Lets go of one's own claim. */
    async releaseClaim(actor: Actor, input: PostRefInput): Promise<{ postId: string }> {
      const { post, access } = await moderatedPost(actor, input.postId);
      await Post.updateOne(
        { _id: post._id, 'claim.by': actor.userId },
        { $set: { 'claim.by': null, 'claim.until': null } },
      );
      deps.events.emit('queue.changed', {
        groupId: String(access.group._id),
        postId: String(post._id),
      });
      return { postId: String(post._id) };
    },

    approvePost(actor: Actor, input: PostRefInput): Promise<DecisionResult> {
      return approve(actor, input.postId, input.version);
    },

    /** Edit then approve: the author is told; the original is kept in the revisions. */
    editAndApprovePost(actor: Actor, input: EditApproveInput): Promise<DecisionResult> {
      return approve(actor, input.postId, input.version, input.body);
    },

    /** Reject citing one of the group's rules, with an optional note for the author. */
    async rejectPost(actor: Actor, input: RejectInput): Promise<DecisionResult> {
      const { post, access } = await moderatedPost(actor, input.postId);
      const version = requireVersion(input.version);
      const group = access.group;
      const rule = (group.rules ?? []).find((r) => r.ruleId === input.ruleId);
      if (!rule) {
        throw new ValidationError(en.posts.errors.ruleRequired, [
          { path: 'ruleId', message: en.posts.errors.ruleRequired },
        ]);
      }
      const now = clock.now();
      const updated = await Post.findOneAndUpdate(
        { _id: post._id, status: 'pending', version, ...claimOk(actor, now) },
        {
          $set: {
            status: 'rejected',
            decision: {
              action: 'rejected',
              by: actor.userId,
              byName: actor.displayName,
              at: now,
              ruleId: rule.ruleId,
              note: input.note,
              undoUntil: new Date(now.getTime() + UNDO_MS),
              previousStatus: 'pending',
            },
            'claim.by': null,
            'claim.until': null,
          },
          $inc: { version: 1 },
          $push: {
            history: {
              action: 'rejected',
              by: actor.userId,
              at: now,
              ruleId: rule.ruleId,
              fromStatus: 'pending',
              toStatus: 'rejected',
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (!updated) throw await conflictFor(actor, post._id, version);
      await audit(actor, updated, 'post.rejected', rule.ruleId);
      await createNotifications(deps, [
        {
          userId: updated.author,
          kind: 'post_rejected',
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
      const view = ownViewOf(updated, group);
      deps.events.emit('review.decided', {
        groupId,
        postId: String(updated._id),
        authorId: String(updated.author),
        action: 'rejected',
        post: view,
      });
      deps.events.emit('post.pending_changed', {
        groupId,
        postId: String(updated._id),
        authorId: String(updated.author),
        view,
      });
      deps.events.emit('queue.changed', { groupId, postId: String(updated._id) });
      deps.log.info(
        { event: 'post.rejected', postId: String(updated._id), groupId },
        'post rejected',
      );
      return result(updated);
    },

    /**
     * Takes a decision back within UNDO_MS, by the moderator who made it. The deadline lives in
     * the post, so this works on any instance. An approved post leaves the conversation again.
     */
    async undoDecision(actor: Actor, input: PostRefInput): Promise<DecisionResult> {
      const { post, access } = await moderatedPost(actor, input.postId);
      const version = requireVersion(input.version);
      const now = clock.now();
      const viewer = facts(actor, access);
      const postFacts = {
        authorId: String(post.author),
        status: post.status,
        decisionBy: post.decision?.by ? String(post.decision.by) : null,
        undoUntil: post.decision?.undoUntil ?? null,
      };
      if (!canUndo(viewer, postFacts, now)) {
        throw new ConflictError(en.posts.errors.undoExpired, 'conflict');
      }
      const wasApproved = post.status === 'approved';
      const updated = await Post.findOneAndUpdate(
        {
          _id: post._id,
          status: trusted({ $in: ['approved', 'rejected'] }),
          version,
          'decision.by': actor.userId,
          'decision.undoUntil': trusted({ $gt: now }),
        },
        {
          $set: { status: 'pending', seq: null, publishedAt: null },
          $unset: { decision: 1 },
          $inc: { version: 1 },
          $push: {
            history: {
              action: 'undone',
              by: actor.userId,
              at: now,
              fromStatus: post.status,
              toStatus: 'pending',
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (!updated) throw new ConflictError(en.posts.errors.undoExpired, 'conflict');
      if (wasApproved && updated.parent) {
        await Post.updateOne(
          { _id: updated.parent, replyCount: trusted({ $gt: 0 }) },
          { $inc: { replyCount: -1 } },
        );
      }
      await audit(actor, updated, 'post.decision_undone');
      const groupId = String(access.group._id);
      if (wasApproved) deps.events.emit('post.hidden', { groupId, postId: String(updated._id) });
      deps.events.emit('review.decided', {
        groupId,
        postId: String(updated._id),
        authorId: String(updated.author),
        action: 'undone',
      });
      deps.events.emit('post.pending_changed', {
        groupId,
        postId: String(updated._id),
        authorId: String(updated.author),
      });
      deps.events.emit('queue.changed', { groupId, postId: String(updated._id) });
      return result(updated);
    },

    /** Approves several posts; each is its own conditional update, so some may fail. */
    async approveMany(
      actor: Actor,
      input: ApproveManyInput,
    ): Promise<Array<{ postId: string; ok: boolean; code?: string; version?: number }>> {
      const access = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const out: Array<{ postId: string; ok: boolean; code?: string; version?: number }> = [];
      for (const item of input.items) {
        try {
          const { post } = await moderatedPost(actor, item.postId);
          if (String(post.group) !== String(access.group._id)) throw new NotFoundError();
          const r = await approve(actor, item.postId, item.version);
          out.push({ postId: item.postId, ok: true, version: r.version });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          out.push({ postId: item.postId, ok: false, code: error.code });
        }
      }
      return out;
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
