import { z } from 'zod';
import { en } from '../i18n/en';

/**
 * Conversation topics: the moderators' edits and a post's topic (composer, filter, moderators).
 * The service checks a topic against the group's own list; these only check the shape.
 */
export const TOPIC_NAME_MAX = 40;

const groupRef = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]+$/i, 'Not a valid group.');
const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid id.');

/** Topic ids are short slugs ("treatment", "t-1a2b3c4d"). */
export const topicId = z
  .string()
  .max(40)
  .regex(/^[a-z0-9-]{1,40}$/, en.topics.errors.unknown);

/**
 * A post's topic from a form or a socket payload: "" or absent means none. A malformed value is
 * refused with the same plain message as an unknown topic.
 */
export const postTopic = z
  .union([z.literal(''), z.null(), topicId])
  .transform((v) => (v ? v : undefined))
  .optional();

/** Control characters removed, runs of spaces collapsed, trimmed. */
export const topicName = z
  .string({ error: en.topics.errors.nameRequired })
  .max(200, en.topics.errors.nameTooLong(TOPIC_NAME_MAX))
  .transform((s) =>
    s
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  )
  .pipe(
    z
      .string()
      .min(1, en.topics.errors.nameRequired)
      .max(TOPIC_NAME_MAX, en.topics.errors.nameTooLong(TOPIC_NAME_MAX)),
  );

export const addTopicSchema = z.object({ group: groupRef, name: topicName });
export type AddTopicInput = z.infer<typeof addTopicSchema>;

export const renameTopicSchema = z.object({ group: groupRef, topicId, name: topicName });
export type RenameTopicInput = z.infer<typeof renameTopicSchema>;

export const topicRefSchema = z.object({ group: groupRef, topicId });
export type TopicRefInput = z.infer<typeof topicRefSchema>;

export const moveTopicSchema = z.object({
  group: groupRef,
  topicId,
  direction: z.enum(['up', 'down']),
});
export type MoveTopicInput = z.infer<typeof moveTopicSchema>;

/** A moderator sets (or clears, with "") the topic of a top-level post. */
export const setPostTopicSchema = z.object({ postId: objectId, topic: postTopic });
export type SetPostTopicInput = { postId: string; topic?: string | undefined };

/** The conversation filter in the query string: an unknown topic shows everything, with a note. */
export const topicFilter = z.string().max(100).optional();

export const topicRouteParams = z.object({ slug: groupRef, topicId });
