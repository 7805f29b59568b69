import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors';
import { en } from '../../i18n/en';
import {
  hideSchema,
  reportSchema,
  restoreSchema,
  slugParams,
  slugPostParams,
} from '../../schemas/moderation';
import { defineRoute } from '../define-route';
import { pushFlashMessage } from './conversation';

/**
 * Reports (members) and actions on published content (moderators): the report form, the
 * moderators' reports tab (live), the moderate page (hide citing a rule / restore), and JSON.
 * Everything inside a group answers 404 to anyone who may not see it.
 */
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;

/** Runs a form action: success → flash and redirect; a user-facing failure → flash and back. */
export async function formAction(
  req: Request,
  res: Response,
  back: string,
  work: () => Promise<string>,
): Promise<void> {
  try {
    const message = await work();
    pushFlashMessage(req, 'success', message);
    res.redirect(303, back);
  } catch (error) {
    if (!(error instanceof AppError) || error.status === 404) throw error;
    pushFlashMessage(req, 'error', error.message);
    res.redirect(303, back);
  }
}

/** zod parse of a form body; failures become a 422 AppError with the first message. */
export function parseForm<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(
      'validation_failed',
      422,
      parsed.error.issues[0]?.message ?? en.errors.validation,
    );
  }
  return parsed.data;
}

export const reportRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/posts/:postId/report',
    access: 'user',
    kind: 'page',
    params: slugPostParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const post = await services.reports.reportablePost(actor, { postId: params.postId });
      const page = await services.reports.reportContext(actor, { group: params.slug });
      res.render('pages/toolkit/report', { title: en.toolkit.report.title, post, group: page });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/report',
    access: 'user',
    kind: 'page',
    rateLimit: 'report',
    params: slugPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const back = `/g/${enc(params.slug)}/conversation#post-${params.postId}`;
      await formAction(req, res, back, async () => {
        const input = parseForm(reportSchema, { ...body, postId: params.postId });
        await services.reports.reportPost(actor, input);
        return en.toolkit.report.sent;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/posts/:postId/report',
    access: 'user',
    kind: 'api',
    rateLimit: 'report',
    params: z.object({ postId: reportSchema.shape.postId }),
    body: reportSchema.omit({ postId: true }),
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      res.json(await services.reports.reportPost(actor, { ...body, postId: params.postId }));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/reports',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const reports = await services.reports.listReports(actor, { group: params.slug });
      res.render('pages/toolkit/reports', {
        title: en.toolkit.reports.title(reports.group.name),
        reports,
      });
    },
  }),

  /** The list alone, re-fetched by public/js/toolkit.js on `reports:changed`. */
  defineRoute({
    method: 'get',
    path: '/g/:slug/reports/items',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const reports = await services.reports.listReports(actor, { group: params.slug });
      res.render('pages/toolkit/_report-items', { reports });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/groups/:slug/reports',
    access: 'user',
    kind: 'api',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (actor) res.json(await services.reports.listReports(actor, { group: params.slug }));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/reports/:postId/dismiss',
    access: 'user',
    kind: 'page',
    params: slugPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/reports`, async () => {
        await services.reports.dismissReports(actor, { postId: params.postId });
        return en.toolkit.reports.dismissed;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/posts/:postId/moderate',
    access: 'user',
    kind: 'page',
    params: slugPostParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const view = await services.moderation.getModeratedPost(actor, { postId: params.postId });
      const tools = await services.handbook.noteTools(actor, { group: view.group.slug });
      const topicChoice = await services.topics.topicChoice(actor, { postId: params.postId });
      res.render('pages/toolkit/moderate', {
        title: en.toolkit.hide.title,
        view,
        tools,
        topicChoice,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/hide',
    access: 'user',
    kind: 'page',
    params: slugPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const back = `/g/${enc(params.slug)}/posts/${params.postId}/moderate`;
      await formAction(req, res, back, async () => {
        const parsed = hideSchema.safeParse({ ...body, postId: params.postId });
        if (!parsed.success) {
          throw new AppError('validation_failed', 422, en.toolkit.hide.ruleRequired);
        }
        await services.moderation.hidePost(actor, parsed.data);
        return en.toolkit.hide.hidden;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/restore',
    access: 'user',
    kind: 'page',
    params: slugPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const back = `/g/${enc(params.slug)}/posts/${params.postId}/moderate`;
      await formAction(req, res, back, async () => {
        const input = parseForm(restoreSchema, { ...body, postId: params.postId });
        await services.moderation.restorePost(actor, input);
        return en.toolkit.hide.restored;
      });
    },
  }),

  /** JSON: a missing or unknown rule is 422 (a merely negative post cannot be hidden). */
  defineRoute({
    method: 'post',
    path: '/api/posts/:postId/hide',
    access: 'user',
    kind: 'api',
    params: z.object({ postId: hideSchema.shape.postId }),
    body: formBody,
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      const parsed = hideSchema.safeParse({ ...body, postId: params.postId });
      if (!parsed.success) {
        throw new AppError('validation_failed', 422, en.toolkit.hide.ruleRequired, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      res.json(await services.moderation.hidePost(actor, parsed.data));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/posts/:postId/restore',
    access: 'user',
    kind: 'api',
    params: z.object({ postId: restoreSchema.shape.postId }),
    body: restoreSchema.omit({ postId: true }),
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      res.json(await services.moderation.restorePost(actor, { ...body, postId: params.postId }));
    },
  }),
];
