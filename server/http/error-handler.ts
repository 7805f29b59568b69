import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  AppError,
  BusyError,
  isAppError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../errors';
import { en } from '../i18n/en';

/** Errors thrown by libraries (body parser, csrf-sync) turned into our typed errors. */
function fromLibrary(error: unknown): AppError | null {
  if (!error || typeof error !== 'object') return null;
  const e = error as { type?: string; code?: string; status?: number };
  if (e.code === 'csrf_invalid') return new AppError('csrf_invalid', 403, en.errors.csrf);
  if (e.type === 'entity.too.large') {
    return new AppError('payload_too_large', 413, en.errors.payloadTooLarge);
  }
  if (typeof e.type === 'string' && typeof e.status === 'number' && e.status < 500) {
    return new AppError('bad_request', 400, en.errors.badRequest);
  }
  return null;
}

function pageTitle(status: number): string {
  if (status === 404) return en.pages.notFoundTitle;
  if (status === 429 || status === 503) return en.pages.tooManyTitle;
  if (status === 403 || status === 401) return en.pages.forbiddenTitle;
  if (status >= 400 && status < 500) return en.pages.badRequestTitle;
  return en.pages.errorTitle;
}

function wantsJson(req: Request, kind: unknown): boolean {
  if (kind === 'api') return true;
  if (kind === 'page') return false;
  return req.accepts(['html', 'json']) === 'json';
}

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());

/**
 * AppErrors answer with their status and safe message: an HTML page for page routes, JSON
 * `{ error: { code, message, details? } }` for API routes. Anything else is a generic 500 whose
 * stack goes to the log (with the request id, never the body).
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let appError = isAppError(error) ? error : fromLibrary(error);
    if (!appError) {
      log.error(
        {
          reqId: req.id,
          err:
            error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
        },
        'unhandled error',
      );
      appError = new AppError('internal', 500, en.errors.internal);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (appError instanceof RateLimitedError || appError instanceof BusyError) {
      res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    }
    res.status(appError.status);
    if (wantsJson(req, res.locals.routeKind)) {
      res.json({
        error: {
          code: appError.code,
          message: appError.message,
          ...(appError.details ? { details: appError.details } : {}),
        },
      });
      return;
    }
    res.locals.cspNonce ??= '';
    res.locals.csrfToken ??= '';
    res.locals.viewer ??= null;
    res.locals.signedIn ??= false;
    res.locals.flash ??= [];
    res.locals.t = en;
    res.render(
      'pages/errors/error',
      {
        title: pageTitle(appError.status),
        status: appError.status,
        message: appError.message,
        issues: appError instanceof ValidationError ? appError.issues : [],
      },
      (renderError: Error | null, html?: string) => {
        if (renderError) {
          log.error({ reqId: req.id, err: { message: renderError.message } }, 'error page failed');
          res.type('text/plain').send(appError.message);
          return;
        }
        res.type('html').send(html);
      },
    );
  };
}
