import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { REACTION_KINDS } from '../../../models/post';
import type { Actor } from '../../context';
import { AppError, ValidationError, type FieldIssue } from '../../errors';
import { en } from '../../i18n/en';
import {
  editPostSchema,
  groupParams,
  groupPostParams,
  pageSchema,
  submitPostSchema,
} from '../../schemas/posts';
import type { Services } from '../../services';
import type { StoreResult } from '../../services/posts';
import { formatLocal } from '../../services/business-hours';
import { screeningRulesForClient } from '../../services/screening';
import { defineRoute } from '../define-route';

/**
 * The group conversation: a server-rendered first page that works without JavaScript (plain form
 * posts, redirect after post), small JSON endpoints for the client script, and the composer
 * rules. Live updates and submissions with JavaScript go over Socket.IO (sockets/handlers/posts).
 */
export interface Composer {
  body: string;
  parentId: string;
  /** The chosen topic id ('' for none). */
  topic: string;
  idempotencyKey: string;
  nudges: string[];
  issues: FieldIssue[];
  error: string | null;
}

export function newKey(): string {
  return randomUUID().replace(/-/g, '');
}

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** Queues a message for the next page (the foundation's session flash). */
export function pushFlashMessage(
  req: Request,
  kind: 'info' | 'error' | 'success',
  text: string,
): void {
  const holder = req as unknown as { session?: { flash?: Array<{ kind: string; text: string }> } };
  if (!holder.session) return;
  (holder.session.flash ??= []).push({ kind, text });
}

const formBody = z.record(z.string(), z.unknown());

export async function renderConversation(
  res: Response,
  actor: Actor,
  services: Services,
  slug: string,
  options: {
    before?: string;
    topic?: string;
    composer?: Partial<Composer>;
    status?: number;
  } = {},
): Promise<void> {
  const page = await services.posts.listConversation(actor, {
    group: slug,
    before: options.before,
    topic: options.topic,
  });
  const composer: Composer = {
    body: '',
    parentId: '',
    // Writing while a topic is shown: the new post is about it unless the author says otherwise.
    topic: page.topics.filter?.id ?? '',
    idempotencyKey: newKey(),
    nudges: [],
    issues: [],
    error: null,
    ...options.composer,
  };
  res.status(options.status ?? 200).render('pages/conversation/index', {
    title: en.posts.pageTitle(page.group.name),
    page,
    composer,
    reactionKinds: REACTION_KINDS,
    replyKey: newKey,
    orgVoice: await services.orgVoice.isStaff(actor),
    pinned: page.pinned,
    when: (iso: string) => formatLocal(new Date(iso), page.group.timeZone),
  });
  // Seen now: the unread marker moves once the page is on its way (it showed the old one).
  // A page filtered by topic did not show everything, so nothing is marked read.
  if (!options.before && !page.topics.filter && page.lastSeq > page.lastReadSeq) {
    await services.posts.markRead(actor, { groupId: page.group.id, seq: page.lastSeq });
  }
}

function storedRedirect(res: Response, slug: string, result: StoreResult): void {
  const id = result.status === 'stored' ? result.post.id : '';
  res.redirect(303, `/g/${encodeURIComponent(slug)}/conversation#post-${id}`);
}

/** Field problems the service found (e.g. a topic that is no longer used): shown by the form. */
function composerIssues(error: unknown): FieldIssue[] | null {
  return error instanceof ValidationError ? error.issues : null;
}

/** Service errors a member can fix or should read on the page itself (muted, consent…). */
function pageError(error: unknown): string | null {
  if (error instanceof AppError && ['muted', 'consent_required', 'conflict'].includes(error.code)) {
    return error.message;
  }
  return null;
}

async function renderEdit(
  res: Response,
  services: Services,
  actor: Actor,
  slug: string,
  postId: string,
  extra: { body?: string; nudges?: string[]; issues?: FieldIssue[]; status?: number } = {},
): Promise<void> {
  const page = await services.posts.listConversation(actor, { group: slug });
  const own = [...page.ownPosts, ...page.threads.flatMap((t) => t.ownReplies)].find(
    (p) => p.id === postId,
  );
  if (!own) {
    res.redirect(303, `/g/${encodeURIComponent(slug)}/conversation`);
    return;
  }
  res.status(extra.status ?? 200).render('pages/conversation/edit', {
    title: own.status === 'rejected' ? en.posts.resubmit : en.posts.edit,
    group: page.group,
    post: own,
    body: extra.body ?? own.body,
    nudges: extra.nudges ?? [],
    issues: extra.issues ?? [],
  });
}

export const conversationRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/conversation',
    access: 'user',
    kind: 'page',
    params: groupParams,
    query: pageSchema.pick({ before: true, topic: true }),
    async handle({ actor, params, query, services, res }) {
      if (actor) await renderConversation(res, actor, services, params.slug, query);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/conversation',
    access: 'user',
    kind: 'page',
    rateLimit: 'submit',
    params: groupParams,
    body: formBody,
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      const draft = {
        body: typeof body.body === 'string' ? body.body : '',
        parentId: typeof body.parentId === 'string' ? body.parentId : '',
        topic: typeof body.topic === 'string' ? body.topic : '',
        idempotencyKey: typeof body.idempotencyKey === 'string' ? body.idempotencyKey : newKey(),
      };
      const parsed = submitPostSchema.safeParse({ ...body, group: params.slug });
      if (!parsed.success) {
        return renderConversation(res, actor, services, params.slug, {
          composer: { ...draft, issues: issuesOf(parsed.error) },
          status: 422,
        });
      }
      try {
        const result = await services.posts.submitPost(actor, parsed.data);
        if (result.status === 'needs_confirmation') {
          return renderConversation(res, actor, services, params.slug, {
            composer: { ...draft, nudges: result.nudges },
          });
        }
        storedRedirect(res, params.slug, result);
      } catch (error) {
        const issues = composerIssues(error);
        if (issues) {
          return renderConversation(res, actor, services, params.slug, {
            composer: { ...draft, issues },
            status: 422,
          });
        }
        const message = pageError(error);
        if (!message) throw error;
        await renderConversation(res, actor, services, params.slug, {
          composer: { ...draft, error: message },
          status: (error as AppError).status,
        });
      }
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/posts/:postId/edit',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, res }) {
      if (actor) await renderEdit(res, services, actor, params.slug, params.postId);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/edit',
    access: 'user',
    kind: 'page',
    rateLimit: 'submit',
    params: groupPostParams,
    body: formBody,
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      const parsed = editPostSchema.safeParse({ ...body, postId: params.postId });
      const text = typeof body.body === 'string' ? body.body : '';
      if (!parsed.success) {
        return renderEdit(res, services, actor, params.slug, params.postId, {
          body: text,
          issues: issuesOf(parsed.error),
          status: 422,
        });
      }
      const resubmit = body.mode === 'resubmit';
      const result = resubmit
        ? await services.posts.resubmitPost(actor, parsed.data)
        : await services.posts.editPost(actor, parsed.data);
      if (result.status === 'needs_confirmation') {
        return renderEdit(res, services, actor, params.slug, params.postId, {
          body: text,
          nudges: result.nudges,
        });
      }
      storedRedirect(res, params.slug, result);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/withdraw',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await services.posts.withdrawPost(actor, { postId: params.postId });
      pushFlashMessage(req, 'info', en.posts.withdrawn);
      res.redirect(303, `/g/${encodeURIComponent(params.slug)}/conversation`);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/react',
    access: 'user',
    kind: 'page',
    rateLimit: 'react',
    params: groupPostParams,
    body: z.object({ kind: z.enum(REACTION_KINDS) }),
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      await services.posts.reactToPost(actor, { postId: params.postId, kind: body.kind });
      res.redirect(303, `/g/${encodeURIComponent(params.slug)}/conversation#post-${params.postId}`);
    },
  }),

  /** "Load earlier" for the client script: the same page data as JSON. */
  defineRoute({
    method: 'get',
    path: '/api/groups/:slug/posts',
    access: 'user',
    kind: 'api',
    params: groupParams,
    query: pageSchema.pick({ before: true, limit: true, topic: true }),
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      const page = await services.posts.listConversation(actor, { group: params.slug, ...query });
      res.json({
        threads: page.threads,
        earlierCursor: page.earlierCursor,
        myReactions: page.myReactions,
        topic: page.topics.filter,
      });
    },
  }),

  /** Catch-up over HTTP (the socket event `posts:catch_up` is the usual way). */
  defineRoute({
    method: 'get',
    path: '/api/groups/:slug/posts/since',
    access: 'user',
    kind: 'api',
    params: groupParams,
    query: z.object({
      after: z.coerce.number().int().min(0),
      limit: z.coerce.number().int().min(1).max(200).optional(),
    }),
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      res.json(
        await services.posts.catchUp(actor, {
          groupId: params.slug,
          afterSeq: query.after,
          limit: query.limit,
        }),
      );
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/unread',
    access: 'user',
    kind: 'api',
    async handle({ actor, services, res }) {
      if (actor) res.json({ groups: await services.posts.unreadCounts(actor) });
    },
  }),

  /** The screening rules and nudges for the composer hint: one source, no copy in public/js. */
  defineRoute({
    method: 'get',
    path: '/api/screening-rules',
    access: 'user',
    kind: 'api',
    async handle({ res }) {
      res.setHeader('Cache-Control', 'private, max-age=3600');
      res.json({ rules: screeningRulesForClient(), nudges: en.posts.nudges });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/notifications',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, res }) {
      if (!actor) return;
      const list = await services.notifications.listNotifications(actor);
      res.render('pages/conversation/notifications', {
        title: en.notifications.pageTitle,
        ...list,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/notifications/read',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, res }) {
      if (!actor) return;
      await services.notifications.markNotificationsRead(actor);
      res.redirect(303, '/notifications');
    },
  }),
];
