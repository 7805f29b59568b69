import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Actor } from '../../context';
import { AppError } from '../../errors';
import { en } from '../../i18n/en';
import {
  approveManySchema,
  editApproveSchema,
  groupParams,
  groupPostParams,
  rejectSchema,
} from '../../schemas/posts';
import type { Services } from '../../services';
import { defineRoute } from '../define-route';
import { pushFlashMessage } from './conversation';

/**
 * The moderators' queue: a page that works with plain forms (each action posts and comes back
 * here), a fragment the client script reloads when the queue changes, and JSON for tools.
 * Everything answers 404 to anyone who is not a moderator of the group.
 */
const formBody = z.record(z.string(), z.unknown());
const version = z.object({ version: z.coerce.number().int().min(1).optional() });

function queueUrl(slug: string): string {
  return `/g/${encodeURIComponent(slug)}/queue`;
}

async function renderQueue(
  res: Response,
  actor: Actor,
  services: Services,
  slug: string,
  view: 'pages/moderation/queue' | 'pages/moderation/items',
): Promise<void> {
  const queue = await services.reviews.listQueue(actor, { group: slug });
  // Saved replies and the privacy statement for notes (moderators' handbook).
  const tools = await services.handbook.noteTools(actor, { group: slug });
  res.render(view, { title: en.moderation.pageTitle(queue.group.name), queue, tools });
}

/** Runs a decision; conflicts (decided elsewhere, claimed) come back as a message on the queue. */
async function decide(
  req: Request,
  res: Response,
  slug: string,
  work: () => Promise<unknown>,
  success: string,
): Promise<void> {
  try {
    await work();
    pushFlashMessage(req, 'success', success);
  } catch (error) {
    if (!(error instanceof AppError) || error.status === 404) throw error;
    pushFlashMessage(req, 'error', error.message);
  }
  res.redirect(303, queueUrl(slug));
}

export const moderationRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/queue',
    access: 'user',
    kind: 'page',
    params: groupParams,
    async handle({ actor, params, services, res }) {
      if (actor) await renderQueue(res, actor, services, params.slug, 'pages/moderation/queue');
    },
  }),

  /** The list alone, re-fetched by public/js/queue.js on `queue:changed` (one template). */
  defineRoute({
    method: 'get',
    path: '/g/:slug/queue/items',
    access: 'user',
    kind: 'page',
    params: groupParams,
    async handle({ actor, params, services, res }) {
      if (actor) await renderQueue(res, actor, services, params.slug, 'pages/moderation/items');
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/groups/:slug/queue',
    access: 'user',
    kind: 'api',
    params: groupParams,
    async handle({ actor, params, services, res }) {
      if (actor) res.json(await services.reviews.listQueue(actor, { group: params.slug }));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/approve',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    body: version,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await decide(
        req,
        res,
        params.slug,
        () => services.reviews.approvePost(actor, { postId: params.postId, version: body.version }),
        en.moderation.approved,
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/edit-approve',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const parsed = editApproveSchema.safeParse({ ...body, postId: params.postId });
      await decide(
        req,
        res,
        params.slug,
        async () => {
          if (!parsed.success) {
            throw new AppError('validation_failed', 422, parsed.error.issues[0]?.message ?? '');
          }
          await services.reviews.editAndApprovePost(actor, parsed.data);
        },
        en.moderation.approved,
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/reject',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const parsed = rejectSchema.safeParse({ ...body, postId: params.postId });
      await decide(
        req,
        res,
        params.slug,
        async () => {
          if (!parsed.success) {
            throw new AppError('validation_failed', 422, en.posts.errors.ruleRequired);
          }
          await services.reviews.rejectPost(actor, parsed.data);
        },
        en.moderation.rejected,
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/claim',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await decide(
        req,
        res,
        params.slug,
        () => services.reviews.claimPost(actor, { postId: params.postId }),
        en.moderation.reviewingYou,
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/release',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await decide(
        req,
        res,
        params.slug,
        () => services.reviews.releaseClaim(actor, { postId: params.postId }),
        en.moderation.release,
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/undo',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    body: version,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await decide(
        req,
        res,
        params.slug,
        () =>
          services.reviews.undoDecision(actor, { postId: params.postId, version: body.version }),
        en.moderation.undone,
      );
    },
  }),

  /** Bulk approval: checkboxes named `items` with values `<postId>:<version>`. */
  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/approve-many',
    access: 'user',
    kind: 'page',
    params: groupParams,
    body: z.object({ items: z.union([z.string(), z.array(z.string())]).optional() }),
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const raw = body.items === undefined ? [] : [body.items].flat();
      const parsed = approveManySchema.safeParse({
        group: params.slug,
        items: raw.map((value) => {
          const [postId, v] = value.split(':');
          return { postId, version: Number(v) };
        }),
      });
      if (!parsed.success) return res.redirect(303, queueUrl(params.slug));
      const results = await services.reviews.approveMany(actor, parsed.data);
      const done = results.filter((r) => r.ok).length;
      pushFlashMessage(req, 'success', en.moderation.approvedMany(done, results.length));
      res.redirect(303, queueUrl(params.slug));
    },
  }),
];
