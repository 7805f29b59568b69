import { UNTIL_LIFTED } from '../../models/membership';
import { canModerate, isActiveMember, type MembershipFacts } from './group';

/**
 * Pure rules of the moderators' toolkit. No I/O: callers pass the facts; services turn a "no"
 * into 404 (inside a group) or 409 (state changed), never a reason that reveals more.
 */

/** Reports are for published content only; one's own post cannot be reported. */
export function canReport(post: { status: string; authorId: string }, reporterId: string): boolean {
  return post.status === 'approved' && post.authorId !== reporterId;
}

/** Moderators mute, suspend, lift and remove members; never themselves or other staff. */
export function canSanctionTarget(
  actorMembership: MembershipFacts | null,
  target: MembershipFacts | null,
  samePerson: boolean,
): boolean {
  if (samePerson || !canModerate(actorMembership) || !isActiveMember(target)) return false;
  return !target.roles.includes('moderator') && !target.roles.includes('advocate');
}

const HOUR = 60 * 60 * 1000;
const DURATIONS: Record<string, number | null> = {
  '1h': HOUR,
  '24h': 24 * HOUR,
  '3d': 72 * HOUR,
  '7d': 7 * 24 * HOUR,
  '30d': 30 * 24 * HOUR,
  lifted: null,
};

/** End of a sanction chosen as a duration; "until lifted" is the far-future UNTIL_LIFTED. */
export function sanctionEnd(now: Date, duration: string): Date {
  const ms = DURATIONS[duration];
  if (ms === undefined) throw new RangeError(`unknown duration ${duration}`);
  return ms === null ? new Date(UNTIL_LIFTED) : new Date(now.getTime() + ms);
}

/** The decisions about a member's content or account that they see and may appeal. */
export const APPEALABLE_ACTIONS = [
  'post.rejected',
  'post.hidden',
  'member.muted',
  'member.suspended',
  'membership.removed',
] as const;
export type AppealableAction = (typeof APPEALABLE_ACTIONS)[number];

export function isAppealable(action: string): action is AppealableAction {
  return (APPEALABLE_ACTIONS as readonly string[]).includes(action);
}

/**
 * Who reviews an appeal: a moderator other than the one who decided, where the group has one
 * (fewest open appeals first, then by id so the choice is stable); otherwise the decider.
 */
export function pickAppealReviewer(
  moderatorIds: readonly string[],
  deciderId: string | null,
  openCounts: ReadonlyMap<string, number>,
): string | null {
  const others = moderatorIds.filter((id) => id !== deciderId);
  const pool = others.length > 0 ? others : moderatorIds;
  const sorted = [...pool].sort(
    (a, b) => (openCounts.get(a) ?? 0) - (openCounts.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return sorted[0] ?? null;
}

/**
 * May decide an appeal: the moderator it was assigned to; if that person no longer moderates
 * the group, any moderator other than the original decider.
 */
export function canDecideAppeal(
  actorId: string,
  isModerator: boolean,
  appeal: { assignedTo: string | null; decidedBy: string | null },
  assigneeStillModerates: boolean,
): boolean {
  if (!isModerator) return false;
  if (appeal.assignedTo === actorId) return true;
  return !assigneeStillModerates && appeal.decidedBy !== actorId;
}
