import type { Types } from 'mongoose';

export type SiteRole = 'member' | 'admin';

/**
 * Who is acting. Built by each adapter (HTTP request, socket event) and passed first to every
 * service call. Memberships are loaded by the services that need them, never trusted from here.
 */
export interface Actor {
  kind: 'user';
  userId: Types.ObjectId;
  siteRole: SiteRole;
  displayName: string;
  /** True when the session passed the second factor (or the account has none and needs none). */
  secondFactorDone: boolean;
  requestId: string;
  ip?: string;
  /**
   * Staff status as loaded with the session's user on this request (unset when the actor was
   * built elsewhere: services then read it from the database).
   */
  isStaff?: boolean;
}

export interface Visitor {
  kind: 'visitor';
  requestId: string;
  ip?: string;
}

export type Caller = Actor | Visitor;

export function isActor(caller: Caller): caller is Actor {
  return caller.kind === 'user';
}
