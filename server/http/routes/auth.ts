import type { Request, Response } from 'express';
import { AppError, ValidationError } from '../../errors';
import { en } from '../../i18n/en';
import { codeBody, loginBody, setupBody, setupParams } from '../../schemas/auth';
import { appKit } from '../app-kit';
import { defineRoute } from '../define-route';
import { accountKey } from '../middleware/rate-limit';
import { destroySession, pushFlash, saveSession } from '../middleware/auth';
import type { SessionUser } from '../types';

/** A local path to return to after signing in; anything else goes home. */
function safeReturnTo(value: string | undefined): string {
  return value && /^\/(?![/\\])/.test(value) ? value : '/';
}

function logIn(req: Request, user: SessionUser): Promise<void> {
  // Passport regenerates the session here: the cookie id changes at sign-in.
  return new Promise((resolve, reject) =>
    req.logIn(user, (error: unknown) => (error ? reject(error) : resolve())),
  );
}

/** Runs passport-local; resolves with the user, or null for a wrong e-mail or password. */
function authenticateLocal(req: Request, res: Response): Promise<SessionUser | null> {
  const { auth } = appKit(req.app);
  return new Promise((resolve, reject) => {
    auth.authenticate('local', { session: false }, (error: unknown, user: unknown) => {
      if (error) reject(error);
      else resolve(user ? (user as SessionUser) : null);
    })(req, res, (error: unknown) => reject(error));
  });
}

function renderLogin(res: Response, status: number, email = '', error?: string): void {
  res.status(status).render('pages/auth/login', { title: en.auth.signInTitle, email, error });
}

export const authRoutes = [
  defineRoute({
    method: 'get',
    path: '/login',
    access: 'public',
    kind: 'page',
    async handle({ actor, req, res }) {
      if (actor) return res.redirect(303, '/');
      if (req.query.bye === '1') res.locals.flash = [{ kind: 'info', text: en.auth.signedOut }];
      renderLogin(res, 200);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/login',
    access: 'public',
    kind: 'page',
    body: loginBody,
    async handle({ body, services, req, res }) {
      const { limiters, deps } = appKit(req.app);
      const account = accountKey(body.email);
      const ip = req.ip ?? 'unknown';
      // Counted before the check (so parallel guesses cannot slip past the limit) and given
      // back when the password was right.
      await limiters.consume('login_account', account);
      await limiters.consume('login', ip);
      const user = await authenticateLocal(req, res);
      if (!user) {
        deps.log.info({ reqId: req.id }, 'sign-in failed');
        return renderLogin(res, 401, body.email, en.auth.loginFailed);
      }
      await Promise.all([limiters.reset('login_account', account), limiters.reward('login', ip)]);
      const returnTo = safeReturnTo(req.session.returnTo);
      await logIn(req, user);
      req.session.loginAt = deps.clock.now().getTime();
      req.session.epoch = user.sessionEpoch;
      await saveSession(req);
      deps.log.info({ reqId: req.id, userId: user.id }, 'signed in');
      if (user.totpEnabled) {
        req.session.returnTo = returnTo;
        return res.redirect(303, '/login/code');
      }
      if (await services.accounts.requiresSecondFactor(user.id, user.siteRole)) {
        return res.redirect(303, '/account/two-factor');
      }
      res.redirect(303, returnTo);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/login/code',
    access: 'signed_in',
    kind: 'page',
    async handle({ actor, res }) {
      if (actor?.secondFactorDone) return res.redirect(303, '/');
      res.render('pages/auth/code', { title: en.auth.codeTitle, error: undefined });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/login/code',
    access: 'signed_in',
    kind: 'page',
    body: codeBody,
    async handle({ actor, body, services, req, res }) {
      if (!actor) return res.redirect(303, '/login');
      const { limiters, deps } = appKit(req.app);
      const key = `u:${String(actor.userId)}`;
      await limiters.consume('login_account', key);
      const ok = await services.accounts.verifySecondFactor(actor.userId, body.code);
      if (!ok) {
        return res
          .status(401)
          .render('pages/auth/code', { title: en.auth.codeTitle, error: en.auth.codeInvalid });
      }
      await limiters.reset('login_account', key);
      const returnTo = safeReturnTo(req.session.returnTo);
      delete req.session.returnTo;
      req.session.secondFactorAt = deps.clock.now().getTime();
      await saveSession(req);
      res.redirect(303, returnTo);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/logout',
    access: 'signed_in',
    kind: 'page',
    async handle({ req, res }) {
      const { deps, session } = appKit(req.app);
      const userId = req.user?.id;
      const sessionId = req.sessionID;
      await new Promise<void>((resolve, reject) =>
        req.logout({ keepSessionInfo: false }, (error: unknown) =>
          error ? reject(error) : resolve(),
        ),
      );
      await destroySession(req);
      res.clearCookie(session.cookieName, { path: '/' });
      if (userId) deps.events.emit('session.ended', { userId, sessionId });
      res.redirect(303, '/login?bye=1');
    },
  }),

  defineRoute({
    method: 'get',
    path: '/setup/:token',
    access: 'public',
    kind: 'page',
    params: setupParams,
    async handle({ params, services, res }) {
      if (!(await services.accounts.isSetupTokenValid(params.token))) {
        throw new AppError('setup_invalid', 404, en.auth.setupInvalid);
      }
      res.render('pages/auth/setup', {
        title: en.auth.setupTitle,
        token: params.token,
        values: { email: '', displayName: '' },
        issues: [],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/setup/:token',
    access: 'public',
    kind: 'page',
    params: setupParams,
    body: setupBody,
    rateLimit: 'redeem',
    async handle({ params, body, services, req, res }) {
      try {
        await services.accounts.completeSetup(params.token, body);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return res.status(422).render('pages/auth/setup', {
          title: en.auth.setupTitle,
          token: params.token,
          values: { email: body.email, displayName: body.displayName },
          issues: error.issues,
        });
      }
      pushFlash(req, 'success', en.auth.setupDone);
      res.redirect(303, '/login');
    },
  }),
];
