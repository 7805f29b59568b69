import type { Express, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Caller } from '../context';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import type { Services } from '../services';
import type { RouteSpec } from './define-route';
import { rateLimitMiddleware, type RateLimiters } from './middleware/rate-limit';
import './types';

export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }));
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new ValidationError(
      en.errors.validation,
      zodIssues(result.error).map((i) => ({ ...i, path: `${where}.${i.path}` })),
    );
  }
  return result.data;
}

function isPageGet(req: Request, spec: RouteSpec): boolean {
  return spec.kind === 'page' && req.method === 'GET';
}

/** Access rules per route; failures redirect pages to sign-in / the second factor. */
function accessCheck(spec: RouteSpec): RequestHandler {
  return (req, res, next) => {
    res.locals.routeKind = spec.kind;
    if (spec.access === 'public') return next();
    if (!req.user || !req.actor) {
      if (isPageGet(req, spec)) {
        req.session.returnTo = req.originalUrl.startsWith('/') ? req.originalUrl : '/';
        return res.redirect(303, '/login');
      }
      return next(new UnauthenticatedError(en.errors.signInRequired));
    }
    if (spec.access === 'signed_in') return next();
    if (!req.actor.secondFactorDone) {
      if (isPageGet(req, spec)) {
        return res.redirect(303, req.user.totpEnabled ? '/login/code' : '/account/two-factor');
      }
      return next(new ForbiddenError(en.errors.secondFactorRequired, 'second_factor_required'));
    }
    if (spec.access === 'admin' && req.actor.siteRole !== 'admin') {
      return next(new NotFoundError());
    }
    next();
  };
}

function handler(spec: RouteSpec, services: Services): RequestHandler {
  return async (req: Request, res: Response) => {
    const params = parse(spec.params, req.params, 'params');
    const query = parse(spec.query, req.query, 'query');
    const body = parse(spec.body, req.body, 'body');
    const actor =
      req.actor && (spec.access === 'signed_in' || req.actor.secondFactorDone)
        ? req.actor
        : undefined;
    const caller: Caller = actor ?? { kind: 'visitor', requestId: req.id, ip: req.ip };
    await spec.handle({ caller, actor, params, query, body, services, req, res });
  };
}

/** Mounts every route of the registry: access → rate limit → validation → handle. */
export function mountRoutes(
  app: Express,
  routes: readonly RouteSpec[],
  services: Services,
  limiters: RateLimiters,
): void {
  for (const spec of routes) {
    const chain: RequestHandler[] = [accessCheck(spec)];
    if (spec.rateLimit) chain.push(rateLimitMiddleware(limiters, spec.rateLimit));
    chain.push(handler(spec, services));
    app[spec.method](spec.path, ...chain);
  }
}
