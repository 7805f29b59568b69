import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type mongoose from 'mongoose';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../../errors';
import { en } from '../../i18n/en';
import type { RateLimitName } from '../define-route';

/**
 * Named limits, shared by HTTP routes and socket events. Counts live in the database (collection
 * `rate_limits`) so they hold across instances and restarts. No per-process fallback: with N
 * instances a memory limiter would multiply every limit by N (login guesses included); if the
 * database cannot count, the request fails closed (500) as everything else would.
 */
interface LimitSpec {
  points: number;
  durationSeconds: number;
}

export const RATE_LIMITS: Record<RateLimitName | 'login_account', LimitSpec> = {
  /** Failed sign-ins from one IP address. */
  login: { points: 30, durationSeconds: 15 * 60 },
  /** Failed sign-ins (and second-factor codes) for one account. */
  login_account: { points: 5, durationSeconds: 15 * 60 },
  redeem: { points: 10, durationSeconds: 15 * 60 },
  join_request: { points: 5, durationSeconds: 60 * 60 },
  submit: { points: 20, durationSeconds: 60 },
  react: { points: 60, durationSeconds: 60 },
  report: { points: 10, durationSeconds: 60 * 60 },
  mail: { points: 10, durationSeconds: 60 * 60 },
};

export type LimitName = keyof typeof RATE_LIMITS;

export interface RateLimiters {
  /** Counts one attempt; throws RateLimitedError (429, Retry-After) once the limit is used up. */
  consume(name: LimitName, key: string): Promise<void>;
  /** Throws RateLimitedError if the limit is already used up, without counting. */
  check(name: LimitName, key: string): Promise<void>;
  /** Counts one attempt without throwing (failures recorded after the answer is decided). */
  penalize(name: LimitName, key: string): Promise<void>;
  reset(name: LimitName, key: string): Promise<void>;
  /** Gives back one counted attempt (a sign-in that turned out right). */
  reward(name: LimitName, key: string): Promise<void>;
}

/** Keys never hold an e-mail address in clear: accounts are keyed by a hash. */
export function accountKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 32);
}

function retryError(res: RateLimiterRes): RateLimitedError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new RateLimitedError(en.errors.rateLimited(Math.ceil(seconds / 60)), seconds);
}

/**
 * The counters' collection, written without waiting for the journal (`j: false`, as mongod does by
 * default): a count is read back by the next request at once, and a crash can lose at most its
 * last moment. Waiting for an fsync here would put one before every submit and decision.
 */
function countersStore(connection: mongoose.Connection) {
  return {
    collection: (name: string) => {
      if (!connection.db) throw new Error('the database is not connected');
      return connection.db.collection(name, { writeConcern: { w: 1, j: false } });
    },
  };
}

export function createRateLimiters(connection: mongoose.Connection): RateLimiters {
  const limiters = new Map<LimitName, RateLimiterMongo>();
  const store = countersStore(connection);
  for (const [name, spec] of Object.entries(RATE_LIMITS) as Array<[LimitName, LimitSpec]>) {
    limiters.set(
      name,
      new RateLimiterMongo({
        storeClient: store,
        tableName: 'rate_limits',
        keyPrefix: name,
        points: spec.points,
        duration: spec.durationSeconds,
      }),
    );
  }
  const get = (name: LimitName): RateLimiterMongo => {
    const limiter = limiters.get(name);
    if (!limiter) throw new Error(`Unknown rate limit ${name}`);
    return limiter;
  };

  return {
    async consume(name, key) {
      try {
        await get(name).consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw retryError(error);
        throw error;
      }
    },
    async check(name, key) {
      const res = await get(name).get(key);
      if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw retryError(res);
    },
    async penalize(name, key) {
      await get(name).penalty(key);
    },
    async reset(name, key) {
      await get(name).delete(key);
    },
    async reward(name, key) {
      await get(name).reward(key);
    },
  };
}

/** Route middleware: counts every request to the route, keyed by the user (or the address). */
export function rateLimitMiddleware(limiters: RateLimiters, name: RateLimitName): RequestHandler {
  return async (req, _res, next) => {
    const key = req.actor ? `u:${String(req.actor.userId)}` : `ip:${req.ip ?? 'unknown'}`;
    await limiters.consume(name, key);
    next();
  };
}
