import type { Actor } from '../context';
import {
  canAdvocate,
  canEnterGroup,
  canModerate,
  canParticipate,
  isActiveMember,
  isAdmin,
  type MembershipFacts,
} from './group';

/**
 * What a person may do with a group, as one closed list of actions (a typo fails to compile).
 * Pure: callers pass the facts. A "no" on anything inside a group is answered as 404 by the
 * services, so these never say why.
 */
export const GROUP_ACTIONS = [
  'view_public_page',
  'request_invitation',
  'enter',
  'participate',
  'view_members',
  'leave',
  'invite',
  'decide_join_requests',
  'remove_member',
  'publish_group_documents',
  'manage_group',
  'assign_roles',
  'publish_site_documents',
] as const;
export type GroupAction = (typeof GROUP_ACTIONS)[number];

export interface GroupPolicyFacts {
  actor: Actor | null;
  group: { hidden: boolean };
  membership: MembershipFacts | null;
  now: Date;
  consentPending: boolean;
}

export function canInGroup(action: GroupAction, f: GroupPolicyFacts): boolean {
  const m = f.membership;
  switch (action) {
    case 'view_public_page':
    case 'request_invitation':
      return !f.group.hidden;
    case 'enter':
    case 'view_members':
      return canEnterGroup(m, f.now);
    case 'participate':
      return canParticipate(m, f.now, f.consentPending);
    case 'leave':
      // A suspended member may still leave; it is their choice, not a way in.
      return isActiveMember(m);
    case 'invite':
    case 'decide_join_requests':
      return canAdvocate(m);
    case 'remove_member':
      return canAdvocate(m) || canModerate(m);
    case 'publish_group_documents':
      return canModerate(m);
    case 'manage_group':
    case 'assign_roles':
    case 'publish_site_documents':
      return isAdmin(f.actor);
  }
}

/** Every ability of one viewer on one group, for views that only offer what will be accepted. */
export function groupAbilities(f: GroupPolicyFacts): Record<GroupAction, boolean> {
  return Object.fromEntries(GROUP_ACTIONS.map((a) => [a, canInGroup(a, f)])) as Record<
    GroupAction,
    boolean
  >;
}

/**
 * Advocates and moderators remove members; people holding a staff role in the group (moderator,
 * advocate) are changed by an administrator on the roles page instead, and nobody removes
 * themselves (they leave).
 */
export function canRemoveTarget(
  actorMembership: MembershipFacts | null,
  target: MembershipFacts | null,
  samePerson: boolean,
): boolean {
  if (samePerson || !isActiveMember(target)) return false;
  if (!(canAdvocate(actorMembership) || canModerate(actorMembership))) return false;
  return !target.roles.includes('moderator') && !target.roles.includes('advocate');
}
