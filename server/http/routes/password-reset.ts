import type { Response } from 'express';
import { ValidationError } from '../../errors';
import { en } from '../../i18n/en';
import { forgotBody, forgotEmail, resetBody, resetParams } from '../../schemas/auth';
import { ResetLinkInvalidError, type ResetLinkView } from '../../services/password-reset';
import { appKit } from '../app-kit';
import { defineRoute } from '../define-route';
import { pushFlash, regenerate, saveSession } from '../middleware/auth';
import { accountKey } from '../middleware/rate-limit';

function renderInvalid(res: Response): void {
  res.status(404).render('pages/auth/reset-invalid', { title: en.reset.invalidTitle });
}

function renderForm(
  res: Response,
  token: string,
  link: ResetLinkView,
  status = 200,
  issues: ValidationError['issues'] = [],
): void {
  // The page carries the token (in the form's address): never kept by a cache.
  res.set('Cache-Control', 'no-store');
  res.status(status).render('pages/auth/reset', {
    title: en.reset.formTitle,
    token,
    link,
    issues,
  });
}

/**
 * "Forgot your password?": ask for a link by e-mail, then choose a new password through it.
 * Asking answers the same page for every address (see services/password-reset.ts).
 */
export const passwordResetRoutes = [
  defineRoute({
    method: 'get',
    path: '/login/forgot',
    access: 'public',
    kind: 'page',
    async handle({ res }) {
      res.render('pages/auth/forgot', { title: en.reset.requestTitle, email: '', issues: [] });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/login/forgot',
    access: 'public',
    kind: 'page',
    body: forgotBody,
    async handle({ body, services, req, res }) {
      const { limiters } = appKit(req.app);
      await limiters.consume('reset', req.ip ?? 'unknown');
      const email = forgotEmail.safeParse(body.email);
      if (!email.success) {
        return res.status(422).render('pages/auth/forgot', {
          title: en.reset.requestTitle,
          email: body.email,
          issues: [{ path: 'email', message: en.reset.emailInvalid }],
        });
      }
      // Counted for every address alike, so the throttled answer does not tell either.
      await limiters.consume('reset_account', accountKey(email.data));
      await services.passwordReset.requestPasswordReset(email.data);
      res.render('pages/auth/forgot-sent', { title: en.reset.sentTitle, email: email.data });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/reset/:token',
    access: 'public',
    kind: 'page',
    params: resetParams,
    async handle({ params, services, res }) {
      try {
        const link = await services.passwordReset.describeResetLink(params.token);
        renderForm(res, params.token, link);
      } catch (error) {
        if (error instanceof ResetLinkInvalidError) return renderInvalid(res);
        throw error;
      }
    },
  }),

  defineRoute({
    method: 'post',
    path: '/reset/:token',
    access: 'public',
    kind: 'page',
    params: resetParams,
    body: resetBody,
    rateLimit: 'redeem',
    async handle({ params, body, services, req, res }) {
      const { limiters } = appKit(req.app);
      let link: ResetLinkView;
      try {
        link = await services.passwordReset.describeResetLink(params.token);
      } catch (error) {
        if (error instanceof ResetLinkInvalidError) return renderInvalid(res);
        throw error;
      }
      // Codes share the sign-in budget of the account (5 per 15 minutes), so a stolen mailbox
      // cannot guess its way past the second factor.
      const codeKey = `u:${link.userId}`;
      if (link.secondFactor) await limiters.consume('login_account', codeKey);
      try {
        await services.passwordReset.completePasswordReset(params.token, body);
      } catch (error) {
        if (error instanceof ResetLinkInvalidError) return renderInvalid(res);
        if (error instanceof ValidationError) {
          return renderForm(res, params.token, link, 422, error.issues);
        }
        throw error;
      }
      if (link.secondFactor) await limiters.reset('login_account', codeKey);
      // If this browser was signed in as that person, its session ended with all the others.
      if (req.user?.id === link.userId) {
        await regenerate(req);
        req.user = undefined;
      }
      pushFlash(req, 'success', en.reset.done);
      await saveSession(req);
      res.redirect(303, '/login');
    },
  }),
];
