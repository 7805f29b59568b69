// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Group, Post, type GroupDoc, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import type {
  AddTopicInput,
  MoveTopicInput,
  RenameTopicInput,
  SetPostTopicInput,
  TopicRefInput,
} from '../schemas/topics';
import { TOPIC_NAME_MAX, topicName } from '../schemas/topics';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import { visibleToMembers } from './posts';
import {
  activeCount,
  checkPostTopic,
  indexOf,
  invalid,
  MAX_ACTIVE_TOPICS,
  MAX_TOPICS,
  nameIssue,
  newTopicId,
  requireUniqueName,
  topicNames,
  topicsOf,
  type Topic,
} from './topic-list';

const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));

/** The name as it is stored (spaces tidied); the schema's plain message when it is unusable. */
function cleanName(value: unknown): string {
  const parsed = topicName.safeParse(value);
  if (!parsed.success)
    throw nameIssue(parsed.error.issues[0]?.message ?? en.topics.errors.nameRequired);
  return parsed.data;
}

/**
 * Conversation topics: a short, ordered list per group that its moderators edit (add, rename,
 * reorder, retire, use again). A post keeps a topic id, so a rename shows everywhere at once and
 * a retired topic stays on old posts while the composer no longer offers it. A group that never
 * edited its list has the defaults; the first edit stores them.
 */
export interface TopicsPage {
  group: { id: string; slug: string; name: string };
  topics: Array<Topic & { posts: number; first: boolean; last: boolean }>;
  limits: { active: number; total: number; length: number };
  canAdd: boolean;
}

export function createTopicService(deps: Deps) {
  const { clock } = deps;

  /**
   * One change to the list, conditional on the version it was read at (two moderators editing
   * at once never lose an edit: the later one is re-applied to the fresh list, or refused).
   */
  async function edit(
    actor: Actor,
    groupRef: string,
    action: string,
    change: (list: Topic[]) => { list: Topic[]; meta: Record<string, string> },
  ): Promise<Topic[]> {
    const { group } = await requireGroupAccess(clock, actor, groupRef, 'moderate');
    let current: GroupDoc | null = group;
    for (let attempt = 0; attempt < 3 && current; attempt += 1) {
      const { list, meta } = change(topicsOf(current));
      const version = current.topicsVersion ?? 0;
      // A group stored before topics existed has no version yet: it counts as 0.
      const guard = version === 0 ? trusted({ $in: [0, null] }) : version;
      const done = await Group.updateOne(
        { _id: group._id, topicsVersion: guard },
        { $set: { topics: list, topicsVersion: version + 1 } },
      );
      if (done.matchedCount === 1) {
        await recordAudit(deps, {
          key: `topics:${group._id.toHexString()}:v${version + 1}`,
          action,
          actor: actor.userId,
          group: group._id,
          targetType: 'group',
          targetId: group._id,
          meta,
        });
        return list;
      }
      current = await Group.findById(group._id).lean<GroupDoc>();
    }
    throw new ConflictError(en.topics.errors.changed);
  }

  return {
    /** The moderators' topics page: the list with how many published posts carry each. */
    async listTopics(actor: Actor, input: { group: string }): Promise<TopicsPage> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const list = topicsOf(group);
      const counts = await Promise.all(
        list.map((t) =>
          Post.countDocuments(visibleToMembers(group._id, { parent: null, topic: t.topicId })),
        ),
      );
      return {
        group: { id: String(group._id), slug: group.slug, name: group.name },
        topics: list.map((t, i) => ({
          ...t,
          posts: counts[i] ?? 0,
          first: i === 0,
          last: i === list.length - 1,
        })),
        limits: { active: MAX_ACTIVE_TOPICS, total: MAX_TOPICS, length: TOPIC_NAME_MAX },
        canAdd: activeCount(list) < MAX_ACTIVE_TOPICS && list.length < MAX_TOPICS,
      };
    },

    async addTopic(actor: Actor, input: AddTopicInput): Promise<Topic[]> {
      const name = cleanName(input.name);
      return edit(actor, input.group, 'topics.added', (list) => {
        requireUniqueName(list, name);
        if (activeCount(list) >= MAX_ACTIVE_TOPICS) {
          throw nameIssue(en.topics.errors.tooManyActive(MAX_ACTIVE_TOPICS));
        }
        if (list.length >= MAX_TOPICS) throw nameIssue(en.topics.errors.tooMany(MAX_TOPICS));
        const topicId = newTopicId(list);
        return {
          list: [...list, { topicId, name, retired: false }],
          meta: { topicId, topicName: name },
        };
      });
    },

    async renameTopic(actor: Actor, input: RenameTopicInput): Promise<Topic[]> {
      const name = cleanName(input.name);
      return edit(actor, input.group, 'topics.renamed', (list) => {
        const i = indexOf(list, input.topicId);
        requireUniqueName(list, name, input.topicId);
        const before = list[i] as Topic;
        const next = list.map((t, k) => (k === i ? { ...t, name } : t));
        return {
          list: next,
          meta: { topicId: input.topicId, topicName: name, previousTopicName: before.name },
        };
      });
    },

    moveTopic(actor: Actor, input: MoveTopicInput): Promise<Topic[]> {
      return edit(actor, input.group, 'topics.moved', (list) => {
        const i = indexOf(list, input.topicId);
        const j = input.direction === 'up' ? i - 1 : i + 1;
        const next = [...list];
        if (j >= 0 && j < list.length) {
          next[i] = list[j] as Topic;
          next[j] = list[i] as Topic;
        }
        return {
          list: next,
          meta: { topicId: input.topicId, direction: input.direction, position: String(j + 1) },
        };
      });
    },

    retireTopic(actor: Actor, input: TopicRefInput): Promise<Topic[]> {
      return edit(actor, input.group, 'topics.retired', (list) => {
        const i = indexOf(list, input.topicId);
        return {
          list: list.map((t, k) => (k === i ? { ...t, retired: true } : t)),
          meta: { topicId: input.topicId },
        };
      });
    },

    restoreTopic(actor: Actor, input: TopicRefInput): Promise<Topic[]> {
      return edit(actor, input.group, 'topics.restored', (list) => {
        const i = indexOf(list, input.topicId);
        if (list[i]?.retired && activeCount(list) >= MAX_ACTIVE_TOPICS) {
          throw nameIssue(en.topics.errors.tooManyActive(MAX_ACTIVE_TOPICS));
        }
        return {
          list: list.map((t, k) => (k === i ? { ...t, retired: false } : t)),
          meta: { topicId: input.topicId },
        };
      });
    },

    /** What the moderate page needs to offer a topic change: the post's topic and the list. */
    async topicChoice(
      actor: Actor,
      input: { postId: string },
    ): Promise<{ current: string | null; canChange: boolean; topics: Topic[] }> {
      // privileged read: group, parent and topic only, for a moderator (checked on the next line)
      const post = await Post.findById(oid(input.postId))
        .select({ group: 1, parent: 1, topic: 1 })
        .lean<PostDoc>();
      if (!post) throw new NotFoundError(en.posts.errors.notFound);
      const { group } = await requireGroupAccess(clock, actor, String(post.group), 'moderate');
      const topics = topicsOf(group);
      return { current: post.topic ?? null, canChange: !post.parent && topics.length > 0, topics };
    },

    /**
     * A moderator sets or clears the topic of a top-level post, waiting in the queue or already
     * published. Audited either way; the text and its review state are untouched.
     */
    async setPostTopic(
      actor: Actor,
      input: SetPostTopicInput,
    ): Promise<{ postId: string; topic: string | null; changed: boolean }> {
      // privileged read: group, parent and topic only, for a moderator (checked on the next line)
      const post = await Post.findById(oid(input.postId))
        .select({ group: 1, parent: 1, topic: 1, status: 1, author: 1 })
        .lean<PostDoc>();
      if (!post) throw new NotFoundError(en.posts.errors.notFound);
      const { group } = await requireGroupAccess(clock, actor, String(post.group), 'moderate');
      if (post.status === 'withdrawn') throw new NotFoundError(en.posts.errors.notFound);
      if (post.parent && input.topic) throw invalid(en.topics.errors.reply);
      const from = post.topic ?? null;
      const topic = input.topic === from ? from : checkPostTopic(group, input.topic, false);
      if (topic === from) return { postId: String(post._id), topic, changed: false };
      await Post.updateOne({ _id: post._id, group: group._id }, { $set: { topic } });
      const now = clock.now();
      await recordAudit(deps, {
        key: `post:${String(post._id)}:topic:${now.getTime()}:${topic ?? 'none'}`,
        action: 'post.topic_changed',
        actor: actor.userId,
        group: group._id,
        targetType: 'post',
        targetId: post._id,
        meta: { from: from ?? 'none', to: topic ?? 'none', status: post.status },
      });
      const groupId = String(group._id);
      if (post.status === 'approved') {
        const name = topic ? topicNames(group).get(topic) : undefined;
        deps.events.emit('post.topic_changed', {
          groupId,
          postId: String(post._id),
          topic: topic && name ? { id: topic, name } : null,
        });
      }
      if (post.status === 'pending') {
        deps.events.emit('queue.changed', { groupId, postId: String(post._id) });
        deps.events.emit('post.pending_changed', {
          groupId,
          postId: String(post._id),
          authorId: String(post.author),
        });
      }
      return { postId: String(post._id), topic, changed: true };
    },
  };
}

export type TopicService = ReturnType<typeof createTopicService>;
