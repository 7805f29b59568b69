import path from 'node:path';
import express, { type Express } from 'express';
import mongoose from 'mongoose';
import { csrfSync } from 'csrf-sync';
import { createAuthenticator } from './auth/passport';
import { createSessionKit } from './auth/session';
import type { Deps } from './deps';
import { en } from './i18n/en';
import { setAppKit } from './http/app-kit';
import { errorHandler, notFound } from './http/error-handler';
import { sessionGuard } from './http/middleware/auth';
import { viewLocals } from './http/middleware/locals';
import { bannerLocals } from './http/middleware/banners';
import { createRateLimiters } from './http/middleware/rate-limit';
import { readAdmission } from './http/middleware/admission';
import { requestLog } from './http/middleware/request-log';
import {
  cspNonce,
  rejectDeepJson,
  robotsHeader,
  sameOriginOnly,
  securityHeaders,
} from './http/middleware/security';
import { mountRoutes } from './http/mount-routes';
import { allRoutes } from './http/routes';
import { projectRoot } from './paths';
import type { Services } from './services';
import { partialRenderer } from './http/partials';

const ROOT = projectRoot();

/** Body size limit for forms and JSON (413 beyond). */
const BODY_LIMIT = '100kb';

/**
 * The Express app, without listening: `main.ts` serves it, tests drive it with supertest.
 * Order: request log → security headers → health → static → read admission → body →
 * session/passport → locals → same-origin + CSRF → routes → 404 → errors. Needs an open
 * mongoose connection (sessions).
 */
export interface AppOptions {
  /** More readiness checks for /readyz beside the database (e.g. `redis` with REDIS_URL). */
  readiness?: Record<string, () => Promise<boolean>>;
  /**
   * True once shutdown has begun (server/shutdown.ts): /readyz answers 503 so a load balancer
   * stops sending, and every answer closes its connection instead of keeping it alive.
   */
  draining?: () => boolean;
}

export function createApp(deps: Deps, services: Services, options: AppOptions = {}): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', parseTrustProxy(config.trustProxy));
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  app.set('query parser', 'simple');
  // Every page carries a fresh CSP nonce (and signed-in pages are no-store), so an ETag could never
  // match: hashing each page for one was wasted work. Static files keep their own ETags.
  app.set('etag', false);
  if (config.isProduction) app.enable('view cache');
  app.locals.partial = partialRenderer(path.join(ROOT, 'views'), config.isProduction);

  const session = createSessionKit(config, mongoose.connection);
  const auth = createAuthenticator(services);
  const limiters = createRateLimiters(mongoose.connection);
  const csrf = csrfSync({
    // 256 bits, as OWASP asks for at least 128. The library's default (1,024 bits, 256 hex
    // characters) went into every form: 60 times on a conversation page, 12 % of its bytes.
    size: 32,
    getTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const header = req.headers['x-csrf-token'];
      return typeof header === 'string' ? header : undefined;
    },
    errorConfig: { statusCode: 403, message: en.errors.csrf, code: 'csrf_invalid' },
  });
  setAppKit(app, { deps, session, auth, limiters, csrf });

  const draining = options.draining ?? (() => false);
  app.use((_req, res, next) => {
    // A keep-alive client learns with this answer that the connection ends here, so it never
    // sends its next request into a connection that is being closed.
    if (draining()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(requestLog(deps.log));
  app.use(cspNonce, securityHeaders(config), robotsHeader);

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  // Each dependency by name (true/false), so an operator sees which one is down; no detail.
  const checks: Record<string, () => Promise<boolean>> = {
    database: databaseReady,
    ...options.readiness,
  };
  app.get('/readyz', async (_req, res) => {
    if (draining()) {
      res.status(503).json({ ok: false, draining: true });
      return;
    }
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => checks[n]!().catch(() => false)));
    const report: Record<string, boolean> = {};
    names.forEach((n, i) => (report[n] = results[i] === true));
    const ok = results.every((r) => r === true);
    res.status(ok ? 200 : 503).json({ ok, ...report });
  });

  // Only the asset folders: a page request never looks on the disk for a file of its name.
  for (const folder of ['css', 'img', 'js']) {
    app.use(
      `/${folder}`,
      express.static(path.join(ROOT, 'public', folder), {
        index: false,
        maxAge: config.isProduction ? '1h' : 0,
        fallthrough: true,
      }),
    );
  }

  // Health checks and files above never wait; everything below is the real work of a request.
  app.use(readAdmission(config.readConcurrency));
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 200 }));
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(rejectDeepJson);

  app.use(session.middleware);
  app.use(auth.initialize());
  app.use(auth.session());
  app.use(sessionGuard(deps, services));
  app.use(viewLocals(csrf));
  app.use(bannerLocals(services));
  app.use(sameOriginOnly(config));
  app.use(csrf.csrfSynchronisedProtection);

  mountRoutes(app, allRoutes, services, limiters);

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}

async function databaseReady(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (mongoose.connection.readyState !== 1 || !db) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.admin().ping(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), 2000);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function parseTrustProxy(value: string | false): boolean | number | string {
  if (value === false) return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true') return true;
  return value;
}
