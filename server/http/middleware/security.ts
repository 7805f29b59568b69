import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../config';
import { AppError, BadRequestError } from '../../errors';
import { en } from '../../i18n/en';

/** A fresh 128-bit nonce per response, for the few <script>/<link> tags our pages load. */
export const cspNonce: RequestHandler = (_req, res, next) => {
  res.locals.cspNonce = randomBytes(16).toString('base64');
  next();
};

/**
 * Helmet with a strict Content Security Policy: nothing inline (no 'unsafe-inline' or
 * 'unsafe-eval'), scripts and styles only from our origin with this response's nonce.
 */
export function securityHeaders(config: Config): RequestHandler {
  const url = new URL(config.publicUrl);
  const wsOrigin = `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}`;
  const nonce = (_req: unknown, res: unknown) =>
    `'nonce-${(res as { locals: { cspNonce: string } }).locals.cspNonce}'`;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", nonce],
        styleSrc: ["'self'", nonce],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", wsOrigin],
        objectSrc: ["'none'"],
        frameSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        manifestSrc: ["'self'"],
        workerSrc: ["'self'"],
        ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: config.secureCookies
      ? { maxAge: 63_072_000, includeSubDomains: true }
      : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
    xPoweredBy: false,
  });
}

const PUBLIC_GROUP_PAGE = /^\/g\/[^/]+\/?$/;

/**
 * `X-Robots-Tag: noindex` on everything, except a public group page whose route sets
 * `res.locals.indexable = true` (so a group can be found by people looking for support).
 */
export const robotsHeader: RequestHandler = (req, res, next) => {
  const writeHead = res.writeHead;
  // Decided when headers go out, after the route had its say.
  res.writeHead = function patchedWriteHead(this: typeof res, ...args: unknown[]) {
    if (res.locals.indexable === true && PUBLIC_GROUP_PAGE.test(req.path)) {
      res.removeHeader('X-Robots-Tag');
    } else {
      res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    }
    return (writeHead as (...a: unknown[]) => typeof res).apply(this, args);
  } as typeof res.writeHead;
  next();
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * State-changing requests must come from our own pages: a cross-site `Sec-Fetch-Site` or a
 * foreign `Origin` is refused before the CSRF token is even looked at.
 */
export function sameOriginOnly(config: Config): RequestHandler {
  const allowed = new Set([new URL(config.publicUrl).origin]);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const own = `${req.protocol}://${req.get('host') ?? ''}`;
    // With Referrer-Policy no-referrer, browsers send `Origin: null` on form posts; then
    // Sec-Fetch-Site (and the CSRF token) decide.
    const foreignOrigin = origin && origin !== 'null' && origin !== own && !allowed.has(origin);
    if (site === 'cross-site' || foreignOrigin) {
      return next(new AppError('csrf_invalid', 403, en.errors.sameOrigin));
    }
    next();
  };
}

/** JSON nested deeper than this is refused (cheap protection for the validators). */
const MAX_JSON_DEPTH = 16;

export const rejectDeepJson: RequestHandler = (req, _res, next) => {
  if (req.body && typeof req.body === 'object' && depthExceeds(req.body, MAX_JSON_DEPTH)) {
    return next(new BadRequestError(en.errors.badRequest));
  }
  next();
};

function depthExceeds(value: unknown, max: number): boolean {
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (d > max) return true;
    if (v && typeof v === 'object') {
      for (const child of Object.values(v as Record<string, unknown>)) {
        if (child && typeof child === 'object') stack.push({ v: child, d: d + 1 });
      }
    }
  }
  return false;
}
