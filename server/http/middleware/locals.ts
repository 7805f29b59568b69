import type { RequestHandler } from 'express';
import type { CsrfSync } from 'csrf-sync';
import { en } from '../../i18n/en';
import { unreadCountOf } from '../../services/notifications';
import '../types';

/**
 * Locals every view may use: cspNonce (set earlier), csrfToken, viewer, signedIn, t, flash.
 * Responses to signed-in people are never stored by browsers or proxies.
 */
export function viewLocals(csrf: CsrfSync): RequestHandler {
  return (req, res, next) => {
    const actor = req.actor;
    res.locals.t = en;
    res.locals.signedIn = Boolean(req.user);
    res.locals.viewer =
      actor && actor.secondFactorDone
        ? { id: String(actor.userId), displayName: actor.displayName, siteRole: actor.siteRole }
        : null;
    res.locals.currentPath = req.path;
    res.locals.flash = [];
    if (req.user) res.setHeader('Cache-Control', 'no-store');

    const wantsPage = req.method === 'GET' && req.accepts(['html', 'json']) === 'html';
    // Flash messages are taken when a page is actually rendered, so they survive redirects.
    const render = res.render.bind(res);
    res.render = ((...args: Parameters<typeof render>) => {
      const pending = req.session?.flash;
      if (pending?.length) {
        res.locals.flash = [...(res.locals.flash as unknown[]), ...pending];
        delete req.session.flash;
      }
      return render(...args);
    }) as typeof res.render;
    // A token is made for pages (forms need it) and reused for everything after.
    res.locals.csrfToken = wantsPage || req.user ? csrf.generateToken(req) : '';
    // The unread badge in the header nav (pages only; one indexed count, shared by concurrent pages).
    if (wantsPage && res.locals.viewer && actor) {
      unreadCountOf(actor.userId)
        .then((n) => {
          res.locals.unreadNotifications = n;
          next();
        })
        .catch(next);
      return;
    }
    next();
  };
}
