import { createHash, randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import {
  Group,
  Invitation,
  Membership,
  User,
  type GroupDoc,
  type InvitationDoc,
  type MembershipDoc,
} from '../../models';
import type { DocumentKind } from '../../models/document-version';
import { isActor, type Actor, type Caller } from '../context';
import type { Deps } from '../deps';
import { AppError, NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { presentInvitation, type InvitationView } from '../presenters/groups';
import {
  invitationInputSchema,
  invitationTokenSchema,
  objectIdSchema,
  parseInput,
  redeemInputSchema,
} from '../schemas/groups';
import { createAccountWithHash, EmailTakenError } from './account-creation';
import { recordAudit } from './audit';
import { createNotifications } from './notifications';
import { documentsFor, recordConsents, type DocumentView } from './consent';
import { currentSiteVersions } from './documents';
import { pendingConsents, requireGroupAccess } from './group-access';

/**
 * Invitations into a group: bound to one e-mail address (one use) or a link with a maximum number
 * of uses. The 32-byte token is shown once; only its SHA-256 is stored. Redemption is one
 * conditional update, so uses never exceed the maximum however many people click at once, and
 * every failure reads the same (`invitation_invalid`).
 */
export class InvitationInvalidError extends AppError {
  constructor() {
    super('invitation_invalid', 400, en.invitations.invalid);
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function invitationUrl(deps: Deps, token: string): string {
  return `${deps.config.publicUrl}/invitations/${token}`;
}

function formatDate(date: Date): string {
  return date.toLocaleDateString('en-IE', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/Dublin',
  });
}

/** Creates an invitation and, when it is bound to an address, e-mails it. Returns the token once. */
export async function issueInvitation(
  deps: Deps,
  group: GroupDoc,
  createdBy: Types.ObjectId,
  input:
    | { kind: 'email'; email: string; days?: number }
    | { kind: 'link'; maxUses: number; days?: number },
  joinRequest?: Types.ObjectId,
): Promise<{ invitation: InvitationDoc; token: string; url: string }> {
  const token = randomBytes(32).toString('base64url');
  const days = Math.min(
    input.days ?? deps.config.invitationDefaultDays,
    deps.config.invitationMaxDays,
  );
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  const maxUses = input.kind === 'email' ? 1 : input.maxUses;
  // Times come from the injected clock (a removal is compared with createdAt), not Mongoose's.
  const [created] = await Invitation.create(
    [
      {
        group: group._id,
        createdBy,
        kind: input.kind,
        email: input.kind === 'email' ? input.email : undefined,
        tokenHash: hashToken(token),
        expiresAt,
        maxUses,
        usesLeft: maxUses,
        joinRequest,
        createdAt: now,
        updatedAt: now,
      },
    ],
    { timestamps: false },
  );
  if (!created) throw new Error('invitation was not created');
  const invitation = created.toObject() as InvitationDoc;
  await recordAudit(deps, {
    key: `invitation:${invitation._id.toHexString()}:created`,
    action: 'invitation.created',
    actor: createdBy,
    group: group._id,
    targetType: 'invitation',
    targetId: invitation._id,
    meta: {
      kind: input.kind,
      maxUses,
      days,
      fromJoinRequest: joinRequest ? joinRequest.toHexString() : null,
    },
  });
  const url = invitationUrl(deps, token);
  if (input.kind === 'email') {
    await deps.mailer.send({
      to: input.email,
      subject: en.invitations.mailSubject(group.name),
      text: en.invitations.mailText(group.name, url, formatDate(expiresAt)),
    });
  }
  deps.log.info(
    { invitationId: invitation._id.toHexString(), groupId: group._id.toHexString() },
    'invitation created',
  );
  return { invitation, token, url };
}

/** Documents a person must accept to join: the group's rules and disclaimer, plus site ones not yet accepted. */
export async function requiredKinds(
  userId: Types.ObjectId | null,
  group: GroupDoc,
): Promise<DocumentKind[]> {
  if (userId) return pendingConsents(userId, group);
  const site = await currentSiteVersions();
  const kinds: DocumentKind[] = [];
  if (site.terms) kinds.push('terms');
  if (site.privacy) kinds.push('privacy');
  kinds.push('rules', 'disclaimer');
  return kinds;
}

export interface Redeemable {
  invitation: InvitationDoc;
  group: GroupDoc;
  membership: MembershipDoc | null;
  email: string | null;
}

export interface InvitationPreview {
  group: { id: string; slug: string; name: string; description: string; minimumAge: number };
  documents: DocumentView[];
  alreadyMember: boolean;
  needsAccount: boolean;
}

export interface RedeemResult {
  group: { id: string; slug: string; name: string };
  userId: string;
  alreadyMember: boolean;
  createdAccount: boolean;
}

/**
 * Finds a usable invitation for this caller, or throws the one generic error. The final
 * guarantee is the conditional update in `admit`; this read only lets the page show the group.
 */
export async function findRedeemable(
  deps: Deps,
  caller: Caller,
  token: string,
  email: string | null,
): Promise<Redeemable> {
  if (!invitationTokenSchema.safeParse(token).success) throw new InvitationInvalidError();
  const now = deps.clock.now();
  const invitation = await Invitation.findOne({
    tokenHash: hashToken(token),
  }).lean<InvitationDoc>();
  if (!invitation) throw new InvitationInvalidError();
  return checkRedeemable(deps, caller, invitation, email, now);
}

async function checkRedeemable(
  deps: Deps,
  caller: Caller,
  invitation: InvitationDoc,
  email: string | null,
  now: Date,
): Promise<Redeemable> {
  const group = await Group.findById(invitation.group).lean<GroupDoc>();
  if (!group) throw new InvitationInvalidError();
  const membership = isActor(caller)
    ? await Membership.findOne({ user: caller.userId, group: group._id }).lean<MembershipDoc>()
    : null;
  // Someone already in the group simply goes in: no use is spent, nothing else is checked.
  if (membership?.status === 'active') return { invitation, group, membership, email };
  const usable =
    !invitation.revokedAt &&
    invitation.expiresAt.getTime() > now.getTime() &&
    invitation.usesLeft > 0;
  if (!usable) throw new InvitationInvalidError();
  if (invitation.kind === 'email' && email !== null && invitation.email !== email) {
    throw new InvitationInvalidError();
  }
  // A removed member comes back only through an invitation made after the removal.
  if (
    membership?.status === 'removed' &&
    membership.endedAt &&
    invitation.createdAt.getTime() <= membership.endedAt.getTime()
  ) {
    throw new InvitationInvalidError();
  }
  return { invitation, group, membership, email };
}

/** The same checks for an invitation known by id (a sign-up confirmed from its e-mail). */
export async function findRedeemableById(
  deps: Deps,
  invitationId: Types.ObjectId,
  email: string,
): Promise<Redeemable> {
  const invitation = await Invitation.findById(invitationId).lean<InvitationDoc>();
  if (!invitation) throw new InvitationInvalidError();
  const visitor: Caller = { kind: 'visitor', requestId: 'signup' };
  return checkRedeemable(deps, visitor, invitation, email, deps.clock.now());
}

async function activate(
  deps: Deps,
  userId: Types.ObjectId,
  group: GroupDoc,
  invitation: InvitationDoc,
  previous: MembershipDoc | null,
): Promise<void> {
  const now = deps.clock.now();
  if (previous) {
    // Leaving keeps roles for a return; a removal starts again as a plain member.
    const roles =
      previous.status === 'removed'
        ? ['member']
        : Array.from(new Set([...previous.roles, 'member']));
    await Membership.updateOne(
      { _id: previous._id },
      {
        $set: {
          status: 'active',
          roles,
          endedAt: null,
          joinedAt: now,
          invitation: invitation._id,
        },
      },
    );
    return;
  }
  try {
    await Membership.create({
      user: userId,
      group: group._id,
      roles: ['member'],
      status: 'active',
      joinedAt: now,
      invitation: invitation._id,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
    await Membership.updateOne(
      { user: userId, group: group._id },
      { $set: { status: 'active', endedAt: null, invitation: invitation._id } },
    );
  }
}

/** Tells the advocate their invitation was used (ids only: the name shows in the group). */
async function notifyInviter(deps: Deps, invitation: InvitationDoc, group: GroupDoc) {
  // Through createNotifications so the advocate's app/e-mail settings apply.
  await createNotifications(deps, [
    {
      userId: invitation.createdBy,
      kind: 'invitation_accepted',
      groupId: group._id,
      data: { groupSlug: group.slug, groupName: group.name },
    },
  ]);
}

/**
 * Lets a person in: one conditional update spends a use (never more than the maximum, however
 * many click at once), then, for someone new, the account is made (the use is given back if
 * that fails), then membership, consents, audit, the inviter's notification and the live event.
 */
export async function admit(
  deps: Deps,
  r: Redeemable,
  userId: Types.ObjectId,
  kinds: DocumentKind[],
  newAccount?: { email: string; displayName: string; passwordHash: string },
): Promise<RedeemResult> {
  const now = deps.clock.now();
  const filter: Record<string, unknown> = {
    tokenHash: r.invitation.tokenHash,
    revokedAt: null,
    expiresAt: mongoose.trusted({ $gt: now }),
    usesLeft: mongoose.trusted({ $gt: 0 }),
  };
  if (r.invitation.kind === 'email') filter.email = r.email;
  const consumed = await Invitation.findOneAndUpdate(
    filter,
    { $inc: { usesLeft: -1 }, $push: { redemptions: { user: userId, at: now } } },
    { returnDocument: 'after' },
  ).lean<InvitationDoc>();
  if (!consumed) throw new InvitationInvalidError();

  if (newAccount) {
    try {
      await createAccountWithHash(deps, { ...newAccount, id: userId });
    } catch (error) {
      // Give the use back: the person did not get in.
      await Invitation.updateOne(
        { _id: consumed._id },
        { $inc: { usesLeft: 1 }, $pull: { redemptions: { user: userId } } },
      );
      if (error instanceof EmailTakenError) throw new InvitationInvalidError();
      throw error;
    }
  }

  await activate(deps, userId, r.group, r.invitation, r.membership);
  await recordConsents(deps, userId, r.group, kinds);
  await recordAudit(deps, {
    key: `invitation:${r.invitation._id.toHexString()}:redeemed:${userId.toHexString()}:${now.getTime()}`,
    action: 'invitation.redeemed',
    actor: userId,
    group: r.group._id,
    targetType: 'invitation',
    targetId: r.invitation._id,
    meta: {
      newAccount: Boolean(newAccount),
      rejoined: r.membership !== null,
      usesLeft: consumed.usesLeft,
    },
  });
  await notifyInviter(deps, r.invitation, r.group);
  const group = { id: r.group._id.toHexString(), slug: r.group.slug, name: r.group.name };
  deps.events.emit('membership.changed', {
    groupId: group.id,
    userId: userId.toHexString(),
    status: 'active',
  });
  return {
    group,
    userId: userId.toHexString(),
    alreadyMember: false,
    createdAccount: Boolean(newAccount),
  };
}

export function createInvitationService(deps: Deps) {
  async function actorEmail(actor: Actor): Promise<string> {
    const user = await User.findById(actor.userId).select({ email: 1 }).lean();
    if (!user) throw new InvitationInvalidError();
    return user.email;
  }

  return {
    async createInvitation(actor: Actor, groupRef: string, input: unknown) {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'advocate');
      const data = parseInput(invitationInputSchema, input);
      const issued = await issueInvitation(deps, access.group, actor.userId, data);
      return {
        invitation: presentInvitation(issued.invitation, deps.clock.now()),
        token: issued.token,
        url: issued.url,
      };
    },

    async listInvitations(actor: Actor, groupRef: string): Promise<InvitationView[]> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'advocate');
      const list = await Invitation.find({ group: access.group._id })
        .sort({ createdAt: -1 })
        .limit(200)
        .lean<InvitationDoc[]>();
      const now = deps.clock.now();
      return list.map((i) => presentInvitation(i, now));
    },

    async revokeInvitation(actor: Actor, groupRef: string, invitationId: string): Promise<void> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'advocate');
      const id = parseInput(objectIdSchema, invitationId);
      const now = deps.clock.now();
      const updated = await Invitation.findOneAndUpdate(
        { _id: new Types.ObjectId(id), group: access.group._id, revokedAt: null },
        { $set: { revokedAt: now } },
        { returnDocument: 'after' },
      ).lean<InvitationDoc>();
      if (!updated) {
        // Already revoked is fine (same outcome); another group's invitation does not exist here.
        const exists = await Invitation.exists({
          _id: new Types.ObjectId(id),
          group: access.group._id,
        });
        if (!exists) throw new NotFoundError();
        return;
      }
      await recordAudit(deps, {
        key: `invitation:${id}:revoked`,
        action: 'invitation.revoked',
        actor: actor.userId,
        group: access.group._id,
        targetType: 'invitation',
        targetId: id,
      });
    },

    /** What the redemption page shows: the group, the documents to accept, and whether to sign up. */
    async previewInvitation(caller: Caller, token: string): Promise<InvitationPreview> {
      const email = isActor(caller) ? await actorEmail(caller) : null;
      const r = await findRedeemable(deps, caller, token, email);
      const alreadyMember = r.membership?.status === 'active';
      const kinds = alreadyMember
        ? []
        : await requiredKinds(isActor(caller) ? caller.userId : null, r.group);
      return {
        group: {
          id: r.group._id.toHexString(),
          slug: r.group.slug,
          name: r.group.name,
          description: r.group.description,
          minimumAge: r.group.settings?.minimumAge ?? 18,
        },
        documents: await documentsFor(r.group, kinds),
        alreadyMember,
        needsAccount: !isActor(caller),
      };
    },

    /**
     * A signed-in person joins. (Someone without an account goes through
     * `invitationSignup.requestSignup`, which confirms the address by e-mail first.)
     */
    async redeemInvitation(actor: Actor, token: string, input: unknown): Promise<RedeemResult> {
      const data = parseInput(redeemInputSchema, input);
      const email = await actorEmail(actor);
      const r = await findRedeemable(deps, actor, token, email);
      if (r.membership?.status === 'active') {
        return {
          group: { id: r.group._id.toHexString(), slug: r.group.slug, name: r.group.name },
          userId: actor.userId.toHexString(),
          alreadyMember: true,
          createdAccount: false,
        };
      }
      const kinds = await requiredKinds(actor.userId, r.group);
      requireAccepted(kinds, data.accepted);
      return admit(deps, r, actor.userId, kinds);
    },
  };
}

/** Throws the form's issues when a required document was not ticked. */
export function requireAccepted(kinds: DocumentKind[], accepted: readonly string[]): void {
  const missing = kinds.filter((k) => !accepted.includes(k));
  if (missing.length > 0) {
    throw new ValidationError(
      en.invitations.mustAccept,
      missing.map((k) => ({ path: `accept.${k}`, message: en.invitations.mustAccept })),
    );
  }
}
