import type { Actor } from '../context';
import type { GroupRole } from '../../models/membership';

/**
 * Pure authorization rules for everything inside a group. No I/O: callers pass the facts.
 * Anything a viewer may not do inside a group they cannot see must surface as 404 (the service
 * decides which error), so these answer only yes or no.
 */
export interface MembershipFacts {
  status: 'active' | 'removed' | 'left';
  roles: readonly string[];
  mutedUntil?: Date | null;
  suspendedUntil?: Date | null;
}

export function isActiveMember(m: MembershipFacts | null | undefined): m is MembershipFacts {
  return !!m && m.status === 'active';
}

export function hasRole(m: MembershipFacts | null | undefined, role: GroupRole): boolean {
  return isActiveMember(m) && m.roles.includes(role);
}

export function isSuspended(m: MembershipFacts | null | undefined, now: Date): boolean {
  return !!m?.suspendedUntil && m.suspendedUntil.getTime() > now.getTime();
}

export function isMuted(m: MembershipFacts | null | undefined, now: Date): boolean {
  return !!m?.mutedUntil && m.mutedUntil.getTime() > now.getTime();
}

export function isAdmin(actor: Actor | null | undefined): boolean {
  return actor?.siteRole === 'admin';
}

/** May see the inside of the group at all (conversation, member list, rooms). */
export function canEnterGroup(m: MembershipFacts | null | undefined, now: Date): boolean {
  // Moderators and advocates are never locked out by a suspension meant for members.
  if (hasRole(m, 'moderator') || hasRole(m, 'advocate')) return true;
  return isActiveMember(m) && !isSuspended(m, now);
}

/** May submit posts and replies and react. `consentPending`: a document version not yet accepted. */
export function canParticipate(
  m: MembershipFacts | null | undefined,
  now: Date,
  consentPending: boolean,
): boolean {
  return canEnterGroup(m, now) && !isMuted(m, now) && !isSuspended(m, now) && !consentPending;
}

export function canModerate(m: MembershipFacts | null | undefined): boolean {
  return hasRole(m, 'moderator');
}

export function canAdvocate(m: MembershipFacts | null | undefined): boolean {
  return hasRole(m, 'advocate');
}

/** Administrators manage groups and roles; they see inside only where they hold a membership. */
export function canManageGroup(actor: Actor | null | undefined): boolean {
  return isAdmin(actor);
}
