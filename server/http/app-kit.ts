import type { Application } from 'express';
import type { CsrfSync } from 'csrf-sync';
import type { Authenticator } from '../auth/passport';
import type { SessionKit } from '../auth/session';
import type { Deps } from '../deps';
import type { RateLimiters } from './middleware/rate-limit';

/** The pieces of one app that routes and the socket server share (kept off app.locals, which views see). */
export interface AppKit {
  deps: Deps;
  session: SessionKit;
  auth: Authenticator;
  limiters: RateLimiters;
  csrf: CsrfSync;
}

const kits = new WeakMap<Application, AppKit>();

export function setAppKit(app: Application, kit: AppKit): void {
  kits.set(app, kit);
}

export function appKit(app: Application): AppKit {
  const kit = kits.get(app);
  if (!kit) throw new Error('This Express app was not made by createApp');
  return kit;
}
