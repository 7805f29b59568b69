import type { RequestHandler } from 'express';
import session from 'express-session';
import { MongoStore } from 'connect-mongo';
import type mongoose from 'mongoose';
import type { Config } from '../config';
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

/** Sessions live in the database (collection `sessions`) through the mongoose connection. */
export function createSessionKit(config: Config, connection: mongoose.Connection): SessionKit {
  const store = MongoStore.create({
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
