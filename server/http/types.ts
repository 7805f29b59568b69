import type {} from 'passport';
import type { Actor } from '../context';

/** A signed-in person as loaded once per request (never sent to views as is). */
export interface SessionUser {
  id: string;
  displayName: string;
  siteRole: 'member' | 'admin';
  sessionEpoch: number;
  totpEnabled: boolean;
  /** May speak for the organisation (marked by an administrator). */
  isStaff?: boolean;
}

export interface Flash {
  kind: 'info' | 'error' | 'success';
  text: string;
}

declare module 'express-session' {
  interface SessionData {
    /** When the person signed in (ms since epoch): the absolute timeout counts from here. */
    loginAt?: number;
    /** The user's sessionEpoch at sign-in; a bump (password change) ends this session. */
    epoch?: number;
    /** The second factor was checked in this session. */
    secondFactorAt?: number;
    /** A TOTP secret being set up, until the first code confirms it. */
    totpPendingSecret?: string;
    flash?: Flash[];
    /** Where to go after signing in (a local path only). */
    returnTo?: string;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Random id for this request, in every log line about it. */
    id: string;
    /** The signed-in person with the second factor done where required. */
    actor?: Actor;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Passport types req.user through this namespace.
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging.
    interface User extends SessionUser {}
  }
}
