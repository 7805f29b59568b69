import type { Response } from 'express';
import { z } from 'zod';
import type { Actor } from '../../context';
import { AppError } from '../../errors';
import { en } from '../../i18n/en';
import {
  announcementEditSchema,
  announcementRefSchema,
  announcementSchema,
  bannerEditSchema,
  bannerSchema,
  dismissSchema,
  postNoteSchema,
  quietSettingSchema,
} from '../../schemas/announcements';
import { groupParams, groupPostParams } from '../../schemas/posts';
import type { Services } from '../../services';
import { defineRoute } from '../define-route';
import { newKey, pushFlashMessage } from './conversation';
import { formAction, parseForm } from './reports';

/**
 * Banners (administrators: site-wide, under /admin; moderators: their group's), dismissing a
 * banner (a form post, or JSON from public/js/banners.js), pins and moderators' notes on posts,
 * the content calendar of scheduled announcements and the quiet-group setting. Thin: forms are
 * parsed, the service decides, and a form with a mistake is shown again with what was typed.
 */
const a = () => en.announcements;
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const bannerParams = z.object({ bannerId: objectId });
const groupBannerParams = groupParams.extend({ bannerId: objectId });

/** Runs a form's work; a mistake the person can fix (not a 404) is shown on the form again. */
async function tryForm(
  work: () => Promise<void>,
  onMistake: (error: AppError) => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof AppError) || error.status === 404) throw error;
    await onMistake(error);
  }
}

/** A local path to go back to after dismissing (never another site). */
function safeReturn(value: unknown): string {
  const path = str(value);
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\') || path.length > 500) {
    return '/';
  }
  return path;
}

// ---- Banners ------------------------------------------------------------------------------

interface BannerDraft {
  kind: string;
  text: string;
  startsAt: string;
  endsAt: string;
  error: string | null;
}

const emptyBanner: BannerDraft = { kind: 'info', text: '', startsAt: '', endsAt: '', error: null };

function bannerDraft(body: Record<string, unknown>, error: string | null = null): BannerDraft {
  return {
    kind: str(body.kind) || 'info',
    text: str(body.text),
    startsAt: str(body.startsAt),
    endsAt: str(body.endsAt),
    error,
  };
}

/** Where a banner page lives: the site (admin) or one group (its moderators). */
type Where = { site: true } | { slug: string };
const baseOf = (where: Where) =>
  'slug' in where ? `/g/${enc(where.slug)}/banners` : '/admin/banners';

async function renderBannerList(
  res: Response,
  services: Services,
  actor: Actor,
  where: Where,
  draft: BannerDraft,
  status = 200,
): Promise<void> {
  const view =
    'slug' in where
      ? await services.banners.listGroupBanners(actor, { group: where.slug })
      : await services.banners.listSiteBanners(actor);
  res.status(status).render('pages/announcements/banners', {
    title: 'slug' in where ? a().banners.groupTitle(view.place.name) : a().banners.siteTitle,
    view,
    draft,
    base: baseOf(where),
    kinds: Object.entries(a().kinds),
  });
}

async function renderBannerEdit(
  res: Response,
  services: Services,
  actor: Actor,
  where: Where,
  bannerId: string,
  draft: BannerDraft | null,
  status = 200,
): Promise<void> {
  const found =
    'slug' in where
      ? await services.banners.getGroupBanner(actor, { group: where.slug, bannerId })
      : await services.banners.getSiteBanner(actor, { bannerId });
  const b = found.banner;
  res.status(status).render('pages/announcements/banner-edit', {
    title: a().banners.editTitle,
    place: found.place,
    banner: b,
    draft: draft ?? {
      kind: b.kind,
      text: b.text,
      startsAt: b.startsLocal,
      endsAt: b.endsLocal,
      error: null,
    },
    base: baseOf(where),
    kinds: Object.entries(a().kinds),
    timeZone: found.place.timeZone,
  });
}

function bannerRoutes(where: 'site' | 'group') {
  const path = where === 'site' ? '/admin/banners' : '/g/:slug/banners';
  const access = where === 'site' ? ('admin' as const) : ('user' as const);
  // Group routes always carry the slug (their params schema requires it).
  const whereOf = (params: object): Where =>
    where === 'site' ? { site: true } : { slug: String((params as { slug?: unknown }).slug ?? '') };
  const listParams = where === 'site' ? z.object({}) : groupParams;
  const oneParams = where === 'site' ? bannerParams : groupBannerParams;
  return [
    defineRoute({
      method: 'get',
      path,
      access,
      kind: 'page',
      params: listParams,
      async handle({ actor, params, services, res }) {
        if (!actor) return;
        await renderBannerList(res, services, actor, whereOf(params), emptyBanner);
      },
    }),
    defineRoute({
      method: 'post',
      path,
      access,
      kind: 'page',
      params: listParams,
      body: formBody,
      async handle({ actor, params, body, services, req, res }) {
        if (!actor) return;
        const w = whereOf(params);
        await tryForm(
          async () => {
            const input = parseForm(bannerSchema, body);
            if ('slug' in w)
              await services.banners.createGroupBanner(actor, { ...input, group: w.slug });
            else await services.banners.createSiteBanner(actor, input);
            pushFlashMessage(req, 'success', a().banners.created);
            res.redirect(303, baseOf(w));
          },
          (error) =>
            renderBannerList(
              res,
              services,
              actor,
              w,
              bannerDraft(body, error.message),
              error.status,
            ),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: `${path}/:bannerId/edit`,
      access,
      kind: 'page',
      params: oneParams,
      async handle({ actor, params, services, res }) {
        if (!actor) return;
        await renderBannerEdit(res, services, actor, whereOf(params), params.bannerId, null);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${path}/:bannerId`,
      access,
      kind: 'page',
      params: oneParams,
      body: formBody,
      async handle({ actor, params, body, services, req, res }) {
        if (!actor) return;
        const w = whereOf(params);
        await tryForm(
          async () => {
            const input = parseForm(bannerEditSchema, { ...body, bannerId: params.bannerId });
            const result =
              'slug' in w
                ? await services.banners.updateGroupBanner(actor, { ...input, group: w.slug })
                : await services.banners.updateSiteBanner(actor, input);
            pushFlashMessage(
              req,
              'success',
              result.changed ? a().banners.saved : a().banners.unchanged,
            );
            res.redirect(303, baseOf(w));
          },
          (error) =>
            renderBannerEdit(
              res,
              services,
              actor,
              w,
              params.bannerId,
              bannerDraft(body, error.message),
              error.status,
            ),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: `${path}/:bannerId/end`,
      access,
      kind: 'page',
      params: oneParams,
      async handle({ actor, params, services, req, res }) {
        if (!actor) return;
        const w = whereOf(params);
        await formAction(req, res, baseOf(w), async () => {
          const ref = { bannerId: params.bannerId };
          if ('slug' in w) await services.banners.endGroupBanner(actor, { ...ref, group: w.slug });
          else await services.banners.endSiteBanner(actor, ref);
          return a().banners.ended;
        });
      },
    }),
  ];
}

// ---- Calendar -----------------------------------------------------------------------------

interface AnnouncementDraft {
  body: string;
  publishAt: string;
  idempotencyKey: string;
  error: string | null;
}

async function renderCalendar(
  res: Response,
  services: Services,
  actor: Actor,
  slug: string,
  draft: Partial<AnnouncementDraft> = {},
  status = 200,
): Promise<void> {
  const view = await services.announcements.calendar(actor, { group: slug });
  res.status(status).render('pages/announcements/calendar', {
    title: a().calendar.title(view.group.name),
    view,
    draft: {
      body: '',
      publishAt: view.defaultPublishAt,
      idempotencyKey: newKey(),
      error: null,
      ...draft,
    },
  });
}

async function renderAnnouncementEdit(
  res: Response,
  services: Services,
  actor: Actor,
  slug: string,
  postId: string,
  draft: { body: string; publishAt: string; error: string | null } | null,
  status = 200,
): Promise<void> {
  const view = await services.announcements.getAnnouncement(actor, { group: slug, postId });
  res.status(status).render('pages/announcements/announcement-edit', {
    title: a().calendar.editTitle,
    view,
    draft: draft ?? { body: view.item.body, publishAt: view.item.publishLocal, error: null },
  });
}

// ---- Notes --------------------------------------------------------------------------------

interface NoteDraft {
  body: string;
  links: Array<{ url: string; label: string }>;
  error: string | null;
}

const NOTE_LINKS = 3;

/** The note form's numbered link fields (url1/label1 …), empty rows left out. */
function noteLinks(body: Record<string, unknown>) {
  const links: Array<{ url: string; label: string }> = [];
  for (let i = 1; i <= NOTE_LINKS; i += 1) {
    const url = str(body[`url${i}`]).trim();
    if (url) links.push({ url, label: str(body[`label${i}`]) });
  }
  return links;
}

async function renderNote(
  res: Response,
  services: Services,
  actor: Actor,
  postId: string,
  draft: NoteDraft | null,
  status = 200,
): Promise<void> {
  const view = await services.postNotes.noteEditor(actor, { postId });
  const note = view.post.modNote;
  const current: NoteDraft = draft ?? {
    body: note?.body ?? '',
    links: note?.links.map((l) => ({ url: l.url, label: l.label })) ?? [],
    error: null,
  };
  const rows = Array.from(
    { length: NOTE_LINKS },
    (_, i) => current.links[i] ?? { url: '', label: '' },
  );
  res.status(status).render('pages/announcements/note', {
    title: a().notes.title,
    view,
    draft: { ...current, rows },
  });
}

const conversationOf = (slug: string, postId?: string) =>
  `/g/${enc(slug)}/conversation${postId ? `#post-${postId}` : ''}`;

export const announcementRoutes = [
  ...bannerRoutes('site'),
  ...bannerRoutes('group'),

  /** Without JavaScript: a form post, then back to the page it was on. */
  defineRoute({
    method: 'post',
    path: '/banners/:bannerId/dismiss',
    access: 'user',
    kind: 'page',
    params: bannerParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const input = parseForm(dismissSchema, { ...body, bannerId: params.bannerId });
      await services.banners.dismissBanner(actor, input);
      pushFlashMessage(req, 'info', a().banners.dismissed);
      res.redirect(303, safeReturn(body.returnTo));
    },
  }),

  /** With JavaScript: the banner goes without a reload. */
  defineRoute({
    method: 'post',
    path: '/api/banners/:bannerId/dismiss',
    access: 'user',
    kind: 'api',
    params: bannerParams,
    body: dismissSchema.pick({ revision: true }),
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      res.json(await services.banners.dismissBanner(actor, { ...body, bannerId: params.bannerId }));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/pin',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, conversationOf(params.slug), async () => {
        await services.pins.pinPost(actor, { postId: params.postId });
        return a().pins.pinned;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/unpin',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, conversationOf(params.slug), async () => {
        await services.pins.unpinPost(actor, { postId: params.postId });
        return a().pins.unpinned;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/posts/:postId/note',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, res }) {
      if (actor) await renderNote(res, services, actor, params.postId, null);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/note',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const links = noteLinks(body);
      await tryForm(
        async () => {
          const input = parseForm(postNoteSchema, {
            body: body.body,
            links,
            postId: params.postId,
          });
          await services.postNotes.setNote(actor, input);
          pushFlashMessage(req, 'success', a().notes.saved);
          res.redirect(303, conversationOf(params.slug, params.postId));
        },
        (error) =>
          renderNote(
            res,
            services,
            actor,
            params.postId,
            { body: str(body.body), links, error: error.message },
            error.status,
          ),
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/posts/:postId/note/remove',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, conversationOf(params.slug, params.postId), async () => {
        await services.postNotes.removeNote(actor, { postId: params.postId });
        return a().notes.removed;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/calendar',
    access: 'user',
    kind: 'page',
    params: groupParams,
    async handle({ actor, params, services, res }) {
      if (actor) await renderCalendar(res, services, actor, params.slug);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/calendar',
    access: 'user',
    kind: 'page',
    params: groupParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await tryForm(
        async () => {
          const input = parseForm(announcementSchema, { ...body, group: params.slug });
          const done = await services.announcements.scheduleAnnouncement(actor, input);
          pushFlashMessage(req, 'success', a().calendar.scheduled(done.whenText));
          res.redirect(303, `/g/${enc(params.slug)}/calendar`);
        },
        (error) =>
          renderCalendar(
            res,
            services,
            actor,
            params.slug,
            {
              body: str(body.body),
              publishAt: str(body.publishAt),
              idempotencyKey: str(body.idempotencyKey) || newKey(),
              error: error.message,
            },
            error.status,
          ),
      );
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/calendar/:postId/edit',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await tryForm(
        () => renderAnnouncementEdit(res, services, actor, params.slug, params.postId, null),
        async (error) => {
          // Published or cancelled meanwhile: back to the calendar, saying so.
          pushFlashMessage(req, 'error', error.message);
          res.redirect(303, `/g/${enc(params.slug)}/calendar`);
        },
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/calendar/:postId',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const back = `/g/${enc(params.slug)}/calendar`;
      await tryForm(
        async () => {
          const input = parseForm(announcementEditSchema, {
            ...body,
            group: params.slug,
            postId: params.postId,
          });
          const done = await services.announcements.editAnnouncement(actor, input);
          pushFlashMessage(
            req,
            'success',
            `${a().calendar.saved} ${a().calendar.scheduled(done.whenText)}`,
          );
          res.redirect(303, back);
        },
        async (error) => {
          if (error.status === 409) {
            pushFlashMessage(req, 'error', error.message);
            return res.redirect(303, back);
          }
          await renderAnnouncementEdit(
            res,
            services,
            actor,
            params.slug,
            params.postId,
            { body: str(body.body), publishAt: str(body.publishAt), error: error.message },
            error.status,
          );
        },
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/calendar/:postId/cancel',
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/calendar`, async () => {
        await services.announcements.cancelAnnouncement(
          actor,
          parseForm(announcementRefSchema, { group: params.slug, postId: params.postId }),
        );
        return a().calendar.cancelled;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/quiet-warning',
    access: 'user',
    kind: 'page',
    params: groupParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/calendar`, async () => {
        await services.announcements.setQuietDays(
          actor,
          parseForm(quietSettingSchema, { ...body, group: params.slug }),
        );
        return a().quiet.saved;
      });
    },
  }),
];
