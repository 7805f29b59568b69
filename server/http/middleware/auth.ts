import { Types } from 'mongoose';
import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import type { Actor } from '../../context';
import type { Deps } from '../../deps';
import { en } from '../../i18n/en';
import type { Services } from '../../services';
import type { SessionUser } from '../types';

/**
 * Runs after passport.session(): ends a session that outlived its absolute limit or whose epoch
 * no longer matches the user's (password changed, signed out everywhere), then builds the actor.
 */
export function sessionGuard(deps: Deps, services: Services): RequestHandler {
  return async (req, _res, next) => {
    const user = req.user;
    if (!user) return next();
    const actor = await actorForSession(deps, services, req.session, user, req.id, req.ip);
    if (!actor) {
      await regenerate(req);
      req.user = undefined;
      pushFlash(req, 'info', en.auth.sessionEnded);
      return next();
    }
    req.actor = actor;
    next();
  };
}

/**
 * The actor for a session and its (freshly loaded) user, or null when the session must end:
 * its epoch is stale (password changed, signed out everywhere) or it outlived the absolute limit.
 * Shared by HTTP requests and socket events.
 */
export async function actorForSession(
  deps: Deps,
  services: Services,
  s: Partial<SessionData>,
  user: SessionUser,
  requestId: string,
  ip: string | undefined,
): Promise<Actor | null> {
  if (sessionExpired(deps, s, user)) return null;
  // Asked of the database only when it matters: no second factor on this session, and none set up.
  const needsSecondFactor =
    typeof s.secondFactorAt !== 'number' &&
    !user.totpEnabled &&
    (await services.accounts.requiresSecondFactor(user.id, user.siteRole));
  return actorFrom(deps, s, user, needsSecondFactor, requestId, ip);
}

function sessionExpired(deps: Deps, s: Partial<SessionData>, user: SessionUser): boolean {
  return (
    s.epoch !== user.sessionEpoch ||
    typeof s.loginAt !== 'number' ||
    deps.clock.now().getTime() - s.loginAt > deps.config.sessionAbsoluteMs
  );
}

/**
 * The same decision as `actorForSession` when the caller already knows whether this person's
 * roles require a second factor (`requiresSecondFactor`): the socket sweep asks that for a
 * thousand people in one query.
 */
export function actorFrom(
  deps: Deps,
  s: Partial<SessionData>,
  user: SessionUser,
  requiresSecondFactor: boolean,
  requestId: string,
  ip: string | undefined,
): Actor | null {
  if (sessionExpired(deps, s, user)) return null;
  const secondFactorDone =
    typeof s.secondFactorAt === 'number' || (!user.totpEnabled && !requiresSecondFactor);
  return {
    kind: 'user',
    userId: new Types.ObjectId(user.id),
    siteRole: user.siteRole,
    displayName: user.displayName,
    secondFactorDone,
    requestId,
    ip,
    isStaff: user.isStaff,
  };
}

export function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error: unknown) => (error ? reject(error) : resolve())),
  );
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((error: unknown) => (error ? reject(error) : resolve())),
  );
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((error: unknown) => (error ? reject(error) : resolve())),
  );
}

/** A one-time message shown on the next page (our own words only, never user input). */
export function pushFlash(req: Request, kind: 'info' | 'error' | 'success', text: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, text }];
}
