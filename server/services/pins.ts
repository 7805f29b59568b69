// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { PIN_CAP, PinnedPost, Post, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError } from '../errors';
import { en } from '../i18n/en';
import { canPin } from '../policies/announcements';
import { presentMemberPost, type MemberPostView } from '../presenters/posts';
import type { PostRef } from '../schemas/announcements';
import { coalesced } from './batched';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import { moderatedPost } from './moderation-common';
import { displayNames, visibleToMembers } from './posts';

/**
 * Moderators pin up to PIN_CAP published posts to the top of their group's conversation. The cap
 * is kept by the unique (group, slot) index (see models/pinned-post.ts). The pinned region reads
 * through `visibleToMembers()`, so a post that is hidden or taken back leaves it at once; the pin
 * itself is removed when the post is hidden (the `post.hidden` event) and, failing that, when a
 * moderator next needs its slot.
 */
const p = () => en.announcements.pins;

function isDuplicate(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

export interface PinnedView {
  posts: MemberPostView[];
  /** Ids of the pinned posts shown (to offer "Unpin" instead of "Pin"). */
  ids: string[];
}

/**
 * The group's pinned posts as members see them (published ones only), in pin order. For a
 * viewer who may enter the group (the caller checked), or for the group's room (viewer null).
 */
export async function pinnedPostsOf(
  groupId: Types.ObjectId,
  viewerId: string | null,
): Promise<PinnedView> {
  const { posts, names } = await pinnedOf(groupId);
  const views = posts.map((x) => presentMemberPost(x, names, viewerId));
  return { posts: views, ids: views.map((v) => v.id) };
}

/** The group's pinned posts that are published, in pin order: the same for every member. */
const pinnedOf = coalesced(
  (groupId: Types.ObjectId) => String(groupId),
  async (groupId: Types.ObjectId) => {
    const pins = await PinnedPost.find({ group: groupId }).sort({ at: 1, _id: 1 }).lean();
    if (pins.length === 0) return { posts: [], names: new Map<string, string>() };
    const posts = await Post.find(
      visibleToMembers(groupId, { _id: trusted({ $in: pins.map((x) => x.post) }) }),
    ).lean<PostDoc[]>();
    const byId = new Map(posts.map((x) => [String(x._id), x]));
    const ordered = pins.map((x) => byId.get(String(x.post))).filter((x): x is PostDoc => !!x);
    // Only the pinned posts' authors: shared by this group's members, never changed.
    const names = await displayNames(ordered.map((x) => String(x.author)));
    return { posts: ordered, names };
  },
);

export function createPinService(deps: Deps) {
  const { clock } = deps;

  // A hidden (or erased, or un-approved) post loses its pin, so restoring it does not re-pin it.
  deps.events.on('post.hidden', ({ postId }) => {
    PinnedPost.deleteOne({ post: new Types.ObjectId(postId) }).catch((error: unknown) => {
      deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'unpin failed');
    });
  });

  /** Pins of the group whose posts are no longer published: their slots are free again. */
  async function pruneStale(groupId: Types.ObjectId): Promise<number> {
    const pins = await PinnedPost.find({ group: groupId }).select({ post: 1 }).lean();
    if (pins.length === 0) return 0;
    const live = await Post.find(
      visibleToMembers(groupId, { _id: trusted({ $in: pins.map((x) => x.post) }) }),
    )
      .select({ _id: 1 })
      .lean();
    const keep = new Set(live.map((x) => String(x._id)));
    const stale = pins.filter((x) => !keep.has(String(x.post))).map((x) => x._id);
    if (stale.length === 0) return 0;
    const res = await PinnedPost.deleteMany({ _id: trusted({ $in: stale }) });
    return res.deletedCount;
  }

  /** Tries each free slot in turn; the unique index decides races. */
  async function takeSlot(actor: Actor, post: PostDoc): Promise<'pinned' | 'already' | 'full'> {
    const taken = await PinnedPost.find({ group: post.group }).select({ slot: 1 }).lean();
    const used = new Set(taken.map((x) => x.slot));
    for (let slot = 0; slot < PIN_CAP; slot += 1) {
      if (used.has(slot)) continue;
      try {
        await PinnedPost.create({
          group: post.group,
          post: post._id,
          slot,
          by: actor.userId,
          at: clock.now(),
        });
        return 'pinned';
      } catch (error) {
        if (!isDuplicate(error)) throw error;
        // Either this post was pinned meanwhile (done) or someone took this slot (try the next).
        if (await PinnedPost.exists({ post: post._id })) return 'already';
      }
    }
    return 'full';
  }

  async function audit(actor: Actor, post: PostDoc, action: string) {
    await recordAudit(deps, {
      key: `post:${String(post._id)}:${action}:${clock.now().getTime()}`,
      action,
      actor: actor.userId,
      group: post.group,
      targetType: 'post',
      targetId: post._id,
    });
  }

  return {
    /** Pins a published top-level post (409 beyond the cap, with what to do about it). */
    async pinPost(actor: Actor, input: PostRef): Promise<{ postId: string; pinned: true }> {
      const { post } = await moderatedPost(deps, actor, input.postId);
      const allowed = canPin(post);
      if (allowed === 'not_published') throw new ConflictError(p().notPublished);
      if (allowed === 'reply') throw new ConflictError(p().notReply);
      if (await PinnedPost.exists({ post: post._id }))
        return { postId: input.postId, pinned: true };
      let outcome = await takeSlot(actor, post);
      if (outcome === 'full' && (await pruneStale(post.group)) > 0) {
        outcome = await takeSlot(actor, post);
      }
      if (outcome === 'full') throw new ConflictError(p().full(PIN_CAP));
      if (outcome === 'pinned') {
        await audit(actor, post, 'post.pinned');
        deps.events.emit('pins.changed', { groupId: String(post.group) });
      }
      return { postId: input.postId, pinned: true };
    },

    async unpinPost(actor: Actor, input: PostRef): Promise<{ postId: string; pinned: false }> {
      const { post } = await moderatedPost(deps, actor, input.postId);
      const res = await PinnedPost.deleteOne({ post: post._id, group: post.group });
      if (res.deletedCount > 0) {
        await audit(actor, post, 'post.unpinned');
        deps.events.emit('pins.changed', { groupId: String(post.group) });
      }
      return { postId: input.postId, pinned: false };
    },

    /** The pinned posts a member of the group sees, in the order they were pinned. */
    async listPinned(actor: Actor, input: { group: string }): Promise<PinnedView> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'enter');
      return pinnedPostsOf(group._id, String(actor.userId));
    },
  };
}

export type PinService = ReturnType<typeof createPinService>;
