import type { RequestHandler } from 'express';
import session, { type SessionData } from 'express-session';
import { MongoStore } from 'connect-mongo';
import { trusted, type default as mongoose } from 'mongoose';
import { SessionRecord, type SessionRecordDoc } from '../../models';
import type { Config } from '../config';
import { batched } from '../services/batched';
import '../http/types';

/** The session middleware and its store, shared by HTTP and the Socket.IO handshake. */
export interface SessionKit {
  middleware: RequestHandler;
  store: session.Store;
  cookieName: string;
}

export function sessionCookieName(config: Config): string {
  // The __Host- prefix makes the browser refuse the cookie unless Secure, path=/ and no Domain.
  return config.secureCookies ? '__Host-harbour' : 'harbour.sid';
}

/** A stored session as connect-mongo writes it (JSON text by default), or null if unreadable. */
export function parseStoredSession(value: unknown): Partial<SessionData> | null {
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    return parsed && typeof parsed === 'object' ? (parsed as Partial<SessionData>) : null;
  } catch {
    return null;
  }
}

type StoredSession = SessionRecordDoc & { lastModified?: Date };

/** Sessions by id, unexpired, as connect-mongo's own read; concurrent requests share a query. */
const readSessions = batched(async (sids: string[]) => {
  const records = await SessionRecord.find({
    _id: trusted({ $in: [...new Set(sids)] }),
    $or: [{ expires: trusted({ $exists: false }) }, { expires: trusted({ $gt: new Date() }) }],
  }).lean<StoredSession[]>();
  const byId = new Map(records.map((r) => [r._id, r]));
  return sids.map((sid) => byId.get(sid) ?? null);
});

/**
 * connect-mongo, with its read batched: every request reads its session first, so under load
 * this was one query per request. Writes (set, touch, destroy) stay connect-mongo's own.
 */
class SessionStore extends MongoStore {
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    readSessions(sid).then((record) => {
      const parsed = record ? parseStoredSession(record.session) : null;
      // connect-mongo hands this on so `touchAfter` can skip writes (see MongoStore#get).
      if (parsed && record?.lastModified)
        Object.assign(parsed, { lastModified: record.lastModified });
      callback(null, (parsed as SessionData | null) ?? null);
    }, callback);
  }
}

/** Sessions live in the database (collection `sessions`) through the mongoose connection. */
export function createSessionKit(config: Config, connection: mongoose.Connection): SessionKit {
  const store = new SessionStore({
    client: connection.getClient(),
    dbName: connection.name,
    collectionName: 'sessions',
    ttl: Math.ceil(config.sessionIdleMs / 1000),
    autoRemove: 'native',
    // Rolling sessions would write on every request; a touch at most once a minute is enough.
    touchAfter: 60,
  });
  const cookieName = sessionCookieName(config);
  const middleware = session({
    name: cookieName,
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    proxy: config.trustProxy !== false ? true : undefined,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      path: '/',
      maxAge: config.sessionIdleMs,
    },
  });
  return { middleware, store, cookieName };
}
