import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import '../types';

/**
 * One log line per request: id, method, route pattern (never the raw URL, which can hold tokens),
 * status, duration and user id. Never bodies, names or e-mail addresses.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    req.id = randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = (req.route as { path?: string } | undefined)?.path;
      const line = {
        reqId: req.id,
        method: req.method,
        route: route ? `${req.baseUrl}${route}` : routeless(req.path),
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        userId: req.user?.id,
      };
      if (res.statusCode >= 500) log.error(line, 'request');
      else log.info(line, 'request');
    });
    next();
  };
}

/** Static files and 404s: keep the first path segment only, so no token ends up in the log. */
function routeless(path: string): string {
  const first = path.split('/')[1];
  return first ? `/${first}/…` : '/';
}
