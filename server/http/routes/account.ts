import type { Request, Response } from 'express';
import { totpQrDataUrl, totpUri } from '../../auth/totp';
import type { Actor } from '../../context';
import { ValidationError, type FieldIssue } from '../../errors';
import { en } from '../../i18n/en';
import {
  changePasswordBody,
  codeBody,
  disableTwoFactorBody,
  displayNameBody,
} from '../../schemas/auth';
import type { Services } from '../../services';
import { appKit } from '../app-kit';
import { defineRoute } from '../define-route';
import { destroySession, pushFlash, saveSession } from '../middleware/auth';

async function renderProfile(
  req: Request,
  res: Response,
  actor: Actor,
  services: Services,
  status = 200,
  issues: FieldIssue[] = [],
): Promise<void> {
  const twoFactorRequired = await services.accounts.requiresSecondFactor(
    actor.userId,
    actor.siteRole,
  );
  res.status(status).render('pages/account/profile', {
    title: en.account.title,
    displayName: actor.displayName,
    twoFactorOn: Boolean(req.user?.totpEnabled),
    twoFactorRequired,
    issues,
  });
}

/** Re-shows the profile with the problems next to the form, instead of an error page. */
async function orProfileWithIssues(
  work: () => Promise<void>,
  req: Request,
  res: Response,
  actor: Actor,
  services: Services,
): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    await renderProfile(req, res, actor, services, 422, error.issues);
    return false;
  }
}

async function renderTwoFactorSetup(req: Request, res: Response, status = 200, error?: string) {
  const secret = req.session.totpPendingSecret;
  if (!secret || !req.user) return res.redirect(303, '/account');
  const uri = totpUri(secret, `Harbour (${req.user.displayName})`);
  res.status(status).render('pages/account/two-factor', {
    title: en.account.twoFactorTitle,
    secret,
    qr: await totpQrDataUrl(uri),
    error,
  });
}

export const accountRoutes = [
  defineRoute({
    method: 'get',
    path: '/account',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, req, res }) {
      if (actor) await renderProfile(req, res, actor, services);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/account/name',
    access: 'user',
    kind: 'page',
    body: displayNameBody,
    async handle({ actor, body, services, req, res }) {
      if (!actor) return;
      await services.accounts.updateDisplayName(actor, body.displayName);
      pushFlash(req, 'success', en.account.nameSaved);
      res.redirect(303, '/account');
    },
  }),

  defineRoute({
    method: 'post',
    path: '/account/password',
    access: 'user',
    kind: 'page',
    body: changePasswordBody,
    async handle({ actor, body, services, req, res }) {
      if (!actor) return;
      let epoch = 0;
      const done = await orProfileWithIssues(
        async () => {
          epoch = await services.accounts.changePassword(actor, body);
        },
        req,
        res,
        actor,
        services,
      );
      if (!done) return;
      // This session stays; every other one (and every live socket) has ended.
      req.session.epoch = epoch;
      pushFlash(req, 'success', en.account.passwordChanged);
      await saveSession(req);
      res.redirect(303, '/account');
    },
  }),

  defineRoute({
    method: 'post',
    path: '/account/sign-out-everywhere',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, req, res }) {
      if (!actor) return;
      await services.accounts.signOutEverywhere(actor);
      await destroySession(req);
      res.clearCookie(appKit(req.app).session.cookieName, { path: '/' });
      res.redirect(303, '/login?bye=1');
    },
  }),

  defineRoute({
    method: 'get',
    path: '/account/two-factor',
    access: 'signed_in',
    kind: 'page',
    async handle({ actor, services, req, res }) {
      if (!actor || !req.user) return;
      // Someone who has a second factor must use it first, never replace it half signed in.
      if (req.user.totpEnabled) {
        return res.redirect(303, actor.secondFactorDone ? '/account' : '/login/code');
      }
      req.session.totpPendingSecret ??= services.accounts.newTotpSecret();
      if (await services.accounts.requiresSecondFactor(actor.userId, actor.siteRole)) {
        res.locals.flash = [{ kind: 'info', text: en.account.twoFactorRequired }];
      }
      await renderTwoFactorSetup(req, res);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/account/two-factor',
    access: 'signed_in',
    kind: 'page',
    body: codeBody,
    rateLimit: 'redeem',
    async handle({ actor, body, services, req, res }) {
      if (!actor || !req.user) return;
      const secret = req.session.totpPendingSecret;
      if (req.user.totpEnabled || !secret) return res.redirect(303, '/account');
      let codes: string[];
      try {
        codes = await services.accounts.enableTotp(actor, secret, body.code);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return renderTwoFactorSetup(req, res, 422, en.auth.codeInvalid);
      }
      delete req.session.totpPendingSecret;
      req.session.secondFactorAt = appKit(req.app).deps.clock.now().getTime();
      await saveSession(req);
      res.render('pages/account/recovery-codes', { title: en.account.recoveryTitle, codes });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/account/two-factor/disable',
    access: 'user',
    kind: 'page',
    body: disableTwoFactorBody,
    async handle({ actor, body, services, req, res }) {
      if (!actor) return;
      const done = await orProfileWithIssues(
        () => services.accounts.disableTotp(actor, body.password),
        req,
        res,
        actor,
        services,
      );
      if (!done) return;
      delete req.session.secondFactorAt;
      pushFlash(req, 'success', en.account.twoFactorDisabled);
      res.redirect(303, '/account');
    },
  }),
];
