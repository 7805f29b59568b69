import type { RequestHandler } from 'express';
import { NotFoundError } from '../../errors';
import type { Services } from '../../services';
import '../types';

/** The group a page belongs to (`/g/<slug>/…`); slugs are short, so this cannot backtrack. */
const GROUP_PATH = /^\/g\/([a-z0-9-]{1,100})(?:\/|$)/i;
/** The moderators' pages, where the quiet-group warning is shown. */
const MODERATION_PAGES = new Set([
  'queue',
  'reports',
  'appeals',
  'sanctions',
  'handbook',
  'journal',
  'insights',
  'audit',
  'rota',
  'complaints',
  'banners',
  'calendar',
]);

/**
 * Locals for the banners at the top of every signed-in page (`banners`, `bannerReturnTo`) and
 * the quiet-group warning on the moderators' pages (`quietWarning`). Pages only (GET, HTML);
 * group banners and the warning come from the services, which check access (nothing for anyone
 * who may not see inside the group).
 */
export function bannerLocals(services: Services): RequestHandler {
  return (req, res, next) => {
    res.locals.banners = [];
    res.locals.quietWarning = null;
    const actor = req.actor;
    const isPage = req.method === 'GET' && req.accepts(['html', 'json']) === 'html';
    if (!isPage || !actor || !actor.secondFactorDone) return next();
    res.locals.bannerReturnTo = req.originalUrl;
    const match = GROUP_PATH.exec(req.path);
    const slug = match?.[1] ?? null;
    const section = slug ? req.path.slice(`/g/${slug}/`.length).split('/')[0] : '';
    const moderation = !!slug && MODERATION_PAGES.has(section ?? '');
    Promise.all([
      services.banners.shownBanners(actor, { group: slug }),
      moderation && slug
        ? services.announcements.quietWarning(actor, { group: slug }).catch((error: unknown) => {
            // Not a moderator here (or no such group): the page itself answers 404.
            if (error instanceof NotFoundError) return null;
            throw error;
          })
        : null,
    ])
      .then(([banners, quiet]) => {
        res.locals.banners = banners;
        res.locals.quietWarning = quiet && slug ? { ...quiet, slug } : null;
        next();
      })
      .catch(next);
  };
}
