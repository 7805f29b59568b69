import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { trusted } from 'mongoose';
import { User, type UserDoc } from '../../models';
import type { Services } from '../services';
import { batched } from '../services/batched';
import type { SessionUser } from '../http/types';

export type Authenticator = passport.Authenticator;

/**
 * One Passport instance per app (not the global singleton), so tests can run several apps.
 * The session holds only the user id; the user is loaded fresh on every request and socket event.
 */
export function createAuthenticator(services: Services): Authenticator {
  const auth = new passport.Authenticator();
  auth.use(
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', session: true },
      (email, password, done) => {
        services.accounts.authenticate(email, password).then(
          (user) => done(null, user ? toSessionUser(user) : false),
          (error: unknown) => done(error),
        );
      },
    ),
  );
  auth.serializeUser((user, done) => done(null, user.id));
  auth.deserializeUser((id: unknown, done) => {
    loadSessionUser(String(id)).then(
      (user) => done(null, user ?? false),
      (error: unknown) => done(error),
    );
  });
  return auth;
}

export function toSessionUser(user: UserDoc): SessionUser {
  return {
    id: String(user._id),
    displayName: user.displayName,
    siteRole: user.siteRole,
    sessionEpoch: user.sessionEpoch ?? 0,
    totpEnabled: Boolean(user.totp?.enabledAt),
    isStaff: user.isStaff === true,
  };
}

const SESSION_USER_FIELDS = {
  displayName: 1,
  siteRole: 1,
  sessionEpoch: 1,
  'totp.enabledAt': 1,
  status: 1,
  isStaff: 1,
} as const;

/** `loadSessionUser` for many at once: only the active accounts are in the map. */
export async function loadSessionUsers(ids: readonly string[]): Promise<Map<string, SessionUser>> {
  const valid = ids.filter((id) => /^[0-9a-f]{24}$/i.test(id));
  if (valid.length === 0) return new Map();
  const users = await User.find({ _id: trusted({ $in: valid }), status: 'active' })
    .select(SESSION_USER_FIELDS)
    .lean<UserDoc[]>();
  return new Map(users.map((u) => [String(u._id), toSessionUser(u)]));
}

/**
 * The user behind a session, or null when the account is gone or no longer active. Asked on
 * every request: concurrent requests share one query (services/batched.ts; nothing cached).
 */
export const loadSessionUser = batched(async (ids: string[]) => {
  const found = await loadSessionUsers(ids);
  return ids.map((id) => found.get(id) ?? null);
});
