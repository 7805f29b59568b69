import { randomBytes } from 'node:crypto';
// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { PendingSignup, User, type PendingSignupDoc } from '../../models';
import { hashPassword } from '../auth/passwords';
import type { Visitor } from '../context';
import type { Deps } from '../deps';
import { ValidationError } from '../errors';
import { en } from '../i18n/en';
import { queueMail } from '../mail';
import { parseInput, redeemInputSchema } from '../schemas/groups';
import { checkPasswordOrThrow } from './account-creation';
import { sha256 } from './accounts';
import { documentsFor } from './consent';
import {
  admit,
  findRedeemable,
  findRedeemableById,
  InvitationInvalidError,
  requireAccepted,
  requiredKinds,
  type RedeemResult,
} from './invitations';

/** How long the confirmation link works. */
export const SIGNUP_LINK_HOURS = 24;

/**
 * Joining with an invitation without an account. Making the account at once would tell anyone
 * holding a link which addresses are registered (the address of an existing account could not
 * sign up; and the person could then sign in with the password they chose, or not). So the
 * answer is always "check your e-mail", after the same work: the password is checked and hashed,
 * and a pending sign-up stored. The address then gets either a link that makes the account and
 * lets the person in, or, when it already has an account, a note to sign in first. The
 * invitation's use is spent only on confirmation, by the same conditional update as always.
 */
export function createInvitationSignupService(deps: Deps) {
  const { clock, config } = deps;

  /** "kind:version" of each document the person is shown, so a confirmation cannot outlive it. */
  async function versionsShown(group: Parameters<typeof documentsFor>[0]): Promise<string[]> {
    const docs = await documentsFor(group, await requiredKinds(null, group));
    return docs.map((d) => `${d.kind}:${d.version}`);
  }

  async function findPending(token: string): Promise<PendingSignupDoc> {
    const pending = await PendingSignup.findOne({
      tokenHash: sha256(token),
      usedAt: null,
      existingAccount: false,
      expiresAt: trusted({ $gt: clock.now() }),
    }).lean<PendingSignupDoc>();
    if (!pending) throw new InvitationInvalidError();
    return pending;
  }

  return {
    /** Checks the form and e-mails the address; the same answer whether or not it is registered. */
    async requestSignup(visitor: Visitor, token: string, input: unknown): Promise<void> {
      const data = parseInput(redeemInputSchema, input);
      if (!data.newAccount) {
        throw new ValidationError(en.invitations.haveAccount, [
          { path: 'newAccount', message: en.invitations.haveAccount },
        ]);
      }
      const { email, displayName, password } = data.newAccount;
      const r = await findRedeemable(deps, visitor, token, email);
      const kinds = await requiredKinds(null, r.group);
      requireAccepted(kinds, data.accepted);
      checkPasswordOrThrow(password, email);
      const shown = await versionsShown(r.group);
      // Hashed whether or not the address is registered: the answer takes the same time.
      const passwordHash = await hashPassword(password, {
        pepper: config.passwordPepper,
        cost: config.bcryptCost,
      });
      const existing = (await User.exists({ email })) !== null;
      const now = clock.now();
      const link = randomBytes(32).toString('base64url');
      // Stored either way (the same write); for a registered address without anything personal,
      // and it can never be confirmed.
      await PendingSignup.create({
        tokenHash: sha256(link),
        invitation: r.invitation._id,
        existingAccount: existing,
        email: existing ? '' : email,
        displayName: existing ? '' : displayName,
        passwordHash: existing ? '' : passwordHash,
        accepted: existing ? [] : shown,
        expiresAt: new Date(now.getTime() + SIGNUP_LINK_HOURS * 3_600_000),
        createdAt: now,
      });
      queueMail(
        deps,
        existing
          ? {
              to: email,
              subject: en.signup.existingSubject,
              text: en.signup.existingText(
                `${config.publicUrl}/login`,
                `${config.publicUrl}/login/forgot`,
              ),
            }
          : {
              to: email,
              subject: en.signup.confirmSubject,
              text: en.signup.confirmText(
                `${config.publicUrl}/invitations/confirm/${link}`,
                SIGNUP_LINK_HOURS,
              ),
            },
        'invitation_signup',
      );
    },

    /** The group a confirmation link leads into (for its page); throws the generic error. */
    async previewSignup(token: string): Promise<{ groupName: string }> {
      const pending = await findPending(token);
      const r = await findRedeemableById(deps, pending.invitation, pending.email);
      return { groupName: r.group.name };
    },

    /** Makes the account and lets the person in; the link is spent by one conditional update. */
    async confirmSignup(token: string): Promise<RedeemResult> {
      const pending = await findPending(token);
      const r = await findRedeemableById(deps, pending.invitation, pending.email);
      const shown = await versionsShown(r.group);
      // A document changed since the person read it: they read the new one first.
      if (shown.some((v) => !pending.accepted.includes(v))) throw new InvitationInvalidError();
      const spent = await PendingSignup.findOneAndUpdate(
        { _id: pending._id, usedAt: null },
        { $set: { usedAt: clock.now() } },
      );
      if (!spent) throw new InvitationInvalidError();
      const kinds = await requiredKinds(null, r.group);
      return admit(deps, r, new Types.ObjectId(), kinds, {
        email: pending.email,
        displayName: pending.displayName,
        passwordHash: pending.passwordHash,
      });
    },
  };
}

export type InvitationSignupService = ReturnType<typeof createInvitationSignupService>;
