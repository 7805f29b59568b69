import { z } from 'zod';
import {
  approveManySchema,
  catchUpSchema,
  editApproveSchema,
  editPostSchema,
  markReadSchema,
  postRefSchema,
  queueSchema,
  reactSchema,
  rejectSchema,
  submitPostSchema,
} from '../../schemas/posts';
import { defineHandler } from '../define-handler';

/**
 * Conversation and review events. Each is one line: the dispatcher has validated the payload,
 * re-checked the session and applied the rate limit; the service checks membership on every call
 * (a removed member's event fails with not_found even if a socket lingers).
 */
export const postHandlers = [
  defineHandler({
    event: 'post:submit',
    schema: submitPostSchema,
    rateLimit: 'submit',
    // Answered as soon as the post is stored; the moderators' notices are written after.
    handle: ({ actor, input, services, acknowledge }) =>
      services.posts.submitPost(actor, input, { onStored: acknowledge }),
  }),
  defineHandler({
    event: 'post:edit',
    schema: editPostSchema,
    rateLimit: 'submit',
    handle: ({ actor, input, services }) => services.posts.editPost(actor, input),
  }),
  defineHandler({
    event: 'post:resubmit',
    schema: editPostSchema,
    rateLimit: 'submit',
    handle: ({ actor, input, services }) => services.posts.resubmitPost(actor, input),
  }),
  defineHandler({
    event: 'post:withdraw',
    schema: postRefSchema,
    handle: ({ actor, input, services }) => services.posts.withdrawPost(actor, input),
  }),
  defineHandler({
    event: 'post:react',
    schema: reactSchema,
    rateLimit: 'react',
    handle: ({ actor, input, services }) => services.posts.reactToPost(actor, input),
  }),
  defineHandler({
    event: 'posts:catch_up',
    schema: catchUpSchema,
    handle: ({ actor, input, services }) => services.posts.catchUp(actor, input),
  }),
  defineHandler({
    event: 'posts:mark_read',
    schema: markReadSchema,
    handle: ({ actor, input, services }) => services.posts.markRead(actor, input),
  }),
  defineHandler({
    event: 'review:queue',
    schema: queueSchema,
    handle: ({ actor, input, services }) => services.reviews.listQueue(actor, input),
  }),
  defineHandler({
    event: 'review:claim',
    schema: postRefSchema,
    handle: ({ actor, input, services }) => services.reviews.claimPost(actor, input),
  }),
  defineHandler({
    event: 'review:release',
    schema: postRefSchema,
    handle: ({ actor, input, services }) => services.reviews.releaseClaim(actor, input),
  }),
  defineHandler({
    event: 'review:approve',
    schema: postRefSchema,
    handle: ({ actor, input, services }) => services.reviews.approvePost(actor, input),
  }),
  defineHandler({
    event: 'review:edit_approve',
    schema: editApproveSchema,
    handle: ({ actor, input, services }) => services.reviews.editAndApprovePost(actor, input),
  }),
  defineHandler({
    event: 'review:reject',
    schema: rejectSchema,
    handle: ({ actor, input, services }) => services.reviews.rejectPost(actor, input),
  }),
  defineHandler({
    event: 'review:undo',
    schema: postRefSchema,
    handle: ({ actor, input, services }) => services.reviews.undoDecision(actor, input),
  }),
  defineHandler({
    event: 'review:approve_many',
    schema: approveManySchema,
    handle: ({ actor, input, services }) => services.reviews.approveMany(actor, input),
  }),
  defineHandler({
    event: 'notifications:mark_read',
    schema: z.object({
      ids: z
        .array(z.string().regex(/^[0-9a-f]{24}$/i))
        .max(200)
        .optional(),
    }),
    handle: ({ actor, input, services }) =>
      services.notifications.markNotificationsRead(actor, input),
  }),
];
