import { z } from 'zod';
import { REACTION_KINDS } from '../../models/post';
import { postTopic, topicFilter } from './topics';

/**
 * Input schemas for posts, reactions and reviews, shared by HTTP routes and socket handlers (the
 * same schema types the service input).
 */
export const MAX_BODY = 5000;

/** Parsed input with keys that may be undefined made optional, so services are easy to call. */
type Loose<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: T[K];
};

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid id.');
/** A group is addressed by slug (pages) or id (sockets). */
const groupRef = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]+$/i, 'Not a valid group.');

/**
 * The body: line endings normalised, control characters other than line breaks and tabs
 * removed, trimmed; must not be empty; at most 5,000 characters.
 */
export const postBody = z
  .string({ error: 'Please write something before sending.' })
  .max(MAX_BODY * 2, `Please keep it under ${MAX_BODY} characters.`)
  .transform((s) =>
    s
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      .trim(),
  )
  .pipe(
    z
      .string()
      .min(1, 'Please write something before sending.')
      .max(MAX_BODY, `Please keep it under ${MAX_BODY} characters.`),
  );

export const idempotencyKey = z
  .string()
  .min(8)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'Not a valid key.');

/** HTML forms send "on"/"true"; JSON sends booleans. */
const formBoolean = z
  .union([z.boolean(), z.enum(['true', 'on', '1', 'false', '0', ''])])
  .optional()
  .transform((v) => v === true || v === 'true' || v === 'on' || v === '1');

/** Optional version: a missing version is answered with 422 `version_required` by the service. */
const version = z.coerce.number().int().min(1).max(1_000_000).optional();

export const submitPostSchema = z.object({
  group: groupRef,
  parentId: objectId.optional().or(z.literal('').transform(() => undefined)),
  body: postBody,
  idempotencyKey,
  acknowledgedFindings: formBoolean,
  /** At most one of the group's topics (top-level posts only); "" or absent for none. */
  topic: postTopic,
});
export type SubmitPostInput = Loose<z.infer<typeof submitPostSchema>>;

export const editPostSchema = z.object({
  postId: objectId,
  body: postBody,
  version,
  acknowledgedFindings: formBoolean,
});
export type EditPostInput = Loose<z.infer<typeof editPostSchema>>;

export const postRefSchema = z.object({ postId: objectId, version });
export type PostRefInput = Loose<z.infer<typeof postRefSchema>>;

export const reactSchema = z.object({ postId: objectId, kind: z.enum(REACTION_KINDS) });
export type ReactInput = Loose<z.infer<typeof reactSchema>>;

export const pageSchema = z.object({
  group: groupRef,
  /** Cursor: load threads whose last activity is before this one (opaque to clients). */
  before: z
    .string()
    .regex(/^\d{1,15}_[0-9a-f]{24}$/i)
    .optional(),
  limit: z.coerce.number().int().min(1).max(50).optional(),
  /** Show only threads of this topic (an id not in the group's list shows everything). */
  topic: topicFilter,
});
export type PageInput = Loose<z.infer<typeof pageSchema>>;

export const catchUpSchema = z.object({
  groupId: groupRef,
  afterSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.number().int().min(1).max(200).optional(),
});
export type CatchUpInput = Loose<z.infer<typeof catchUpSchema>>;

export const markReadSchema = z.object({
  groupId: groupRef,
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type MarkReadInput = Loose<z.infer<typeof markReadSchema>>;

export const queueSchema = z.object({ group: groupRef });

export const rejectSchema = z.object({
  postId: objectId,
  version,
  ruleId: z.string().min(1, 'Please choose the rule this post breaks.').max(100),
  note: z
    .string()
    .max(2000)
    .optional()
    .transform((s) => (s && s.trim() ? s.trim() : undefined)),
});
export type RejectInput = Loose<z.infer<typeof rejectSchema>>;

export const editApproveSchema = z.object({ postId: objectId, version, body: postBody });
export type EditApproveInput = Loose<z.infer<typeof editApproveSchema>>;

export const approveManySchema = z.object({
  group: groupRef,
  items: z
    .array(z.object({ postId: objectId, version }))
    .min(1)
    .max(50),
});
export type ApproveManyInput = Loose<z.infer<typeof approveManySchema>>;

/** Route params. */
export const groupParams = z.object({ slug: groupRef });
export const groupPostParams = z.object({ slug: groupRef, postId: objectId });
