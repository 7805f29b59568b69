import { Post, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError } from '../errors';
import { en } from '../i18n/en';
import { presentMemberPost, type MemberPostView } from '../presenters/posts';
import type { PostNoteInput, PostRef } from '../schemas/announcements';
import { recordAudit } from './audit';
import { moderatedPost } from './moderation-common';
import { displayNames } from './posts';

/**
 * A moderator's corrective note under a published post (for example one that promotes an
 * unproven treatment), with links to reliable sources. Links are checked to be http(s) by the
 * schema; they are stored normalised and shown as plain links with rel="noopener noreferrer
 * nofollow". The audit records who and how many links, never the note's text.
 */
const n = () => en.announcements.notes;

export interface NoteEditorView {
  group: { id: string; slug: string; name: string };
  post: MemberPostView;
  version: number;
}

export function createPostNoteService(deps: Deps) {
  const { clock } = deps;

  async function audit(actor: Actor, post: PostDoc, action: string, links: number) {
    await recordAudit(deps, {
      key: `post:${String(post._id)}:${action}:${clock.now().getTime()}`,
      action,
      actor: actor.userId,
      group: post.group,
      targetType: 'post',
      targetId: post._id,
      meta: { links },
    });
  }

  return {
    /** The post (as members see it, with any note) for the note editor; moderators only. */
    async noteEditor(actor: Actor, input: PostRef): Promise<NoteEditorView> {
      const { post, access } = await moderatedPost(deps, actor, input.postId);
      if (post.status !== 'approved') throw new ConflictError(n().errors.notPublished);
      const names = await displayNames([String(post.author)]);
      return {
        group: { id: String(access.group._id), slug: access.group.slug, name: access.group.name },
        post: presentMemberPost(post, names, String(actor.userId)),
        version: post.version,
      };
    },

    async setNote(actor: Actor, input: PostNoteInput): Promise<{ postId: string }> {
      const { post } = await moderatedPost(deps, actor, input.postId);
      const note = {
        body: input.body,
        links: input.links.map((l) => ({ url: l.url, label: l.label })),
        by: actor.userId,
        at: clock.now(),
      };
      // Only while the post is published; moderator-only write on the checked post.
      const res = await Post.updateOne(
        { _id: post._id, status: 'approved' },
        { $set: { modNote: note } },
      );
      if (res.matchedCount === 0) throw new ConflictError(n().errors.notPublished);
      await audit(
        actor,
        post,
        post.modNote ? 'post.note_edited' : 'post.note_added',
        note.links.length,
      );
      deps.events.emit('post.annotated', { groupId: String(post.group), postId: String(post._id) });
      return { postId: input.postId };
    },

    async removeNote(actor: Actor, input: PostRef): Promise<{ postId: string }> {
      const { post } = await moderatedPost(deps, actor, input.postId);
      if (!post.modNote) return { postId: input.postId };
      await Post.updateOne({ _id: post._id }, { $set: { modNote: null } });
      await audit(actor, post, 'post.note_removed', 0);
      deps.events.emit('post.annotated', { groupId: String(post.group), postId: String(post._id) });
      return { postId: input.postId };
    },
  };
}

export type PostNoteService = ReturnType<typeof createPostNoteService>;
