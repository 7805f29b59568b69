import { trusted, Types } from 'mongoose';
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
import { batched, coalesced, groupBy, uniqueBy } from './batched';
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

function groupIdOf(ref: string): Types.ObjectId | null {
  return Types.ObjectId.isValid(ref) && /^[0-9a-f]{24}$/i.test(ref)
    ? new Types.ObjectId(ref)
    : null;
}

/** A group by slug or id; every page of a group starts here, so the same ask goes out once. */
export const findGroupBySlugOrId = coalesced(
  (ref: string) => groupIdOf(ref)?.toHexString() ?? String(ref).toLowerCase(),
  async (ref: string): Promise<GroupDoc | null> => {
    const id = groupIdOf(ref);
    return Group.findOne(id ? { _id: id } : { slug: String(ref).toLowerCase() }).lean<GroupDoc>();
  },
);

type Accepted = Array<{ kind: string; group?: Types.ObjectId | null; version: number }>;

async function requiredVersions(group: GroupDoc) {
  const site = await currentSiteVersions();
  const required: Array<{ kind: DocumentKind; group: Types.ObjectId | null; version: number }> = [
    { kind: 'rules', group: group._id, version: group.rulesVersion },
    { kind: 'disclaimer', group: group._id, version: group.disclaimerVersion },
  ];
  if (site.terms) required.push({ kind: 'terms', group: null, version: site.terms });
  if (site.privacy) required.push({ kind: 'privacy', group: null, version: site.privacy });
  return required;
}

async function unaccepted(group: GroupDoc, accepted: Accepted): Promise<DocumentKind[]> {
  const required = await requiredVersions(group);
  const done = new Set(
    accepted.map((c) => `${c.kind}:${c.group ? String(c.group) : ''}:${c.version}`),
  );
  return required
    .filter((r) => !done.has(`${r.kind}:${r.group ? String(r.group) : ''}:${r.version}`))
    .map((r) => r.kind);
}

/** Current versions a member must have accepted to take part in this group. */
export async function pendingConsents(
  userId: Types.ObjectId,
  group: GroupDoc,
): Promise<DocumentKind[]> {
  const required = await requiredVersions(group);
  const accepted = await Consent.find({
    user: userId,
    $or: required.map((r) => ({ kind: r.kind, group: r.group, version: r.version })),
  })
    .select({ kind: 1, group: 1, version: 1 })
    .lean();
  return unaccepted(group, accepted);
}

const key = (user: Types.ObjectId, group: Types.ObjectId | null | undefined) =>
  `${String(user)}:${group ? String(group) : ''}`;

/*
 * The reads behind access by group id (every socket event and decision), batched: concurrent
 * checks share one query per collection instead of three each (see batched.ts; nothing cached).
 */
const groupById = batched(async (ids: Types.ObjectId[]) => {
  const found = await Group.find({ _id: trusted({ $in: uniqueBy(ids) }) }).lean<GroupDoc[]>();
  const byId = new Map(found.map((g) => [String(g._id), g]));
  return ids.map((id) => byId.get(String(id)) ?? null);
});

type Pair = { user: Types.ObjectId; group: Types.ObjectId };

const membershipOf = batched(async (pairs: Pair[]) => {
  const found = await Membership.find({
    user: trusted({ $in: uniqueBy(pairs.map((p) => p.user)) }),
    group: trusted({ $in: uniqueBy(pairs.map((p) => p.group)) }),
  }).lean<MembershipDoc[]>();
  const byPair = new Map(found.map((m) => [key(m.user, m.group), m]));
  return pairs.map((p) => byPair.get(key(p.user, p.group)) ?? null);
});

/**
 * The person's consents for this group and the site, every version (a few documents): asked
 * together with the group itself when the group is known by id, before its current versions are.
 */
const consentsFor = batched(async (pairs: Pair[]) => {
  const found = await Consent.find({
    user: trusted({ $in: uniqueBy(pairs.map((p) => p.user)) }),
    group: trusted({ $in: [...uniqueBy(pairs.map((p) => p.group)), null] }),
  })
    .select({ user: 1, kind: 1, group: 1, version: 1 })
    .lean<Array<Accepted[number] & { user: Types.ObjectId }>>();
  const byUser = groupBy(found, (c) => String(c.user));
  return pairs.map((p) =>
    (byUser.get(String(p.user)) ?? []).filter(
      (c) => !c.group || String(c.group) === String(p.group),
    ),
  );
});

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
  let group: GroupDoc | null;
  let membership: MembershipDoc | null;
  let consentPending: DocumentKind[];
  const id = groupIdOf(groupRef);
  if (id) {
    // Known by id (sockets, decisions): group, membership and consents in one round trip.
    const pair = { user: actor.userId, group: id };
    const [found, member, accepted] = await Promise.all([
      groupById(id),
      membershipOf(pair),
      consentsFor(pair),
    ]);
    if (!found) throw new NotFoundError();
    [group, membership, consentPending] = [found, member, await unaccepted(found, accepted)];
  } else {
    group = await findGroupBySlugOrId(groupRef);
    if (!group) throw new NotFoundError();
    // Both need only the group: asked together, one round trip of waiting instead of two.
    const pair = { user: actor.userId, group: group._id };
    const [member, accepted] = await Promise.all([membershipOf(pair), consentsFor(pair)]);
    [membership, consentPending] = [member, await unaccepted(group, accepted)];
  }
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
