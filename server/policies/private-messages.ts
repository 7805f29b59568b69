import { canEnterGroup, type MembershipFacts } from './group';

/**
 * Private messages, pure rules. Two people may exchange private messages only through a group
 * they both belong to (and may enter) whose moderators turned private messages on; writing
 * needs the recipient's acceptance and no block.
 */

export interface PmMembership extends MembershipFacts {
  group: string;
}

/** Group ids (as strings) through which `a` and `b` may message each other. */
export function sharedPmGroups(
  a: PmMembership[],
  b: PmMembership[],
  pmEnabledGroups: ReadonlySet<string>,
  now: Date,
): string[] {
  const mine = new Set(
    a.filter((m) => pmEnabledGroups.has(m.group) && canEnterGroup(m, now)).map((m) => m.group),
  );
  return b
    .filter((m) => mine.has(m.group) && canEnterGroup(m, now))
    .map((m) => m.group)
    .sort();
}

export interface ThreadFacts {
  participants: string[];
  status: 'requested' | 'accepted' | 'declined';
  requestedBy: string;
  blockedBy: string | null;
}

export const isParticipant = (t: ThreadFacts, userId: string) => t.participants.includes(userId);

/** Only the person asked answers a request. */
export const canRespond = (t: ThreadFacts, userId: string) =>
  isParticipant(t, userId) && t.status === 'requested' && t.requestedBy !== userId;

export type WriteRefusal = 'not_participant' | 'not_accepted' | 'blocked' | 'no_shared_group';

/** Why `userId` may not write in this thread now, or null if they may. */
export function writeRefusal(
  t: ThreadFacts,
  userId: string,
  sharedGroups: number,
): WriteRefusal | null {
  if (!isParticipant(t, userId)) return 'not_participant';
  if (t.blockedBy) return 'blocked';
  if (t.status !== 'accepted') return 'not_accepted';
  if (sharedGroups === 0) return 'no_shared_group';
  return null;
}

/** A block is lifted only by the person who set it. */
export const canUnblock = (t: ThreadFacts, userId: string) => t.blockedBy === userId;
