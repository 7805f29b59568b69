import { Types } from 'mongoose';
import { Consent, Group, Membership, type GroupDoc, type MembershipDoc } from '../../models';
import type { DocumentKind } from '../../models/document-version';
import type { Actor } from '../context';
import { NotFoundError, ForbiddenError } from '../errors';
import {
  canEnterGroup,
  canModerate,
  canAdvocate,
  canParticipate,
  isMuted,
  isSuspended,
} from '../policies/group';
import type { Clock } from '../clock';
import { currentSiteVersions } from './documents';

/**
 * The one place that answers "what may this person do inside this group". Every service that
 * touches a group's inside starts here, so a non-member, a removed member and a missing group all
 * get the same NotFoundError.
 */
export interface GroupAccess {
  group: GroupDoc;
  membership: MembershipDoc;
  isModerator: boolean;
  isAdvocate: boolean;
  /** Documents (group rules, disclaimer, site terms/privacy) whose current version is unaccepted. */
  consentPending: DocumentKind[];
  canParticipate: boolean;
  mutedUntil: Date | null;
}

export async function findGroupBySlugOrId(ref: string): Promise<GroupDoc | null> {
  const query =
    Types.ObjectId.isValid(ref) && /^[0-9a-f]{24}$/i.test(ref)
      ? { _id: new Types.ObjectId(ref) }
      : { slug: String(ref).toLowerCase() };
  return Group.findOne(query).lean<GroupDoc>();
}

/** Current versions a member must have accepted to take part in this group. */
export async function pendingConsents(
  userId: Types.ObjectId,
  group: GroupDoc,
): Promise<DocumentKind[]> {
  const site = await currentSiteVersions();
  const required: Array<{ kind: DocumentKind; group: Types.ObjectId | null; version: number }> = [
    { kind: 'rules', group: group._id, version: group.rulesVersion },
    { kind: 'disclaimer', group: group._id, version: group.disclaimerVersion },
  ];
  if (site.terms) required.push({ kind: 'terms', group: null, version: site.terms });
  if (site.privacy) required.push({ kind: 'privacy', group: null, version: site.privacy });
  const accepted = await Consent.find({
    user: userId,
    $or: required.map((r) => ({ kind: r.kind, group: r.group, version: r.version })),
  })
    .select({ kind: 1 })
    .lean();
  const done = new Set(accepted.map((c) => c.kind));
  return required.filter((r) => !done.has(r.kind)).map((r) => r.kind);
}

/**
 * Loads the group and the actor's membership; throws NotFoundError unless the actor may enter.
 * `need`: 'enter' (read), 'participate' (post/react), 'moderate', 'advocate'.
 */
export async function requireGroupAccess(
  clock: Clock,
  actor: Actor,
  groupRef: string,
  need: 'enter' | 'participate' | 'moderate' | 'advocate' = 'enter',
): Promise<GroupAccess> {
  const group = await findGroupBySlugOrId(groupRef);
  if (!group) throw new NotFoundError();
  // Both need only the group: asked together, one round trip of waiting instead of two.
  const [membership, consentPending] = await Promise.all([
    Membership.findOne({ user: actor.userId, group: group._id }).lean<MembershipDoc>(),
    pendingConsents(actor.userId, group),
  ]);
  const now = clock.now();
  if (!membership || !canEnterGroup(membership, now)) throw new NotFoundError();

  const access: GroupAccess = {
    group,
    membership,
    isModerator: canModerate(membership),
    isAdvocate: canAdvocate(membership),
    consentPending,
    canParticipate: canParticipate(membership, now, consentPending.length > 0),
    mutedUntil: isMuted(membership, now) ? (membership.mutedUntil ?? null) : null,
  };

  if (need === 'moderate' && !access.isModerator) throw new NotFoundError();
  if (need === 'advocate' && !access.isAdvocate) throw new NotFoundError();
  if (need === 'participate' && !access.canParticipate) {
    if (isSuspended(membership, now)) throw new NotFoundError();
    if (access.mutedUntil) {
      throw new ForbiddenError('You cannot post or react in this group for now.', 'muted', {
        until: access.mutedUntil.toISOString(),
      });
    }
    throw new ForbiddenError(
      'Please read and accept the updated group documents before posting.',
      'consent_required',
      { documents: consentPending },
    );
  }
  return access;
}
