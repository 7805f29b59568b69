import { randomBytes } from 'node:crypto';
// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { OneTimeToken, User, type OneTimeTokenDoc, type UserDoc } from '../../models';
import {
  checkNewPassword,
  hashPassword,
  MIN_LENGTH_SINGLE_FACTOR,
  MIN_LENGTH_WITH_SECOND_FACTOR,
} from '../auth/passwords';
import type { Deps } from '../deps';
import { AppError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { queueMail } from '../mail';
import { passwordIssue, replacePassword, sha256, type AccountService } from './accounts';
import { recordAudit } from './audit';

/** How long a reset link works. */
export const RESET_LINK_MINUTES = 30;

/** Every unusable link (unknown, spent, expired, replaced) reads the same. */
export class ResetLinkInvalidError extends AppError {
  constructor() {
    super('reset_invalid', 404, en.reset.invalid);
  }
}

export interface ResetLinkView {
  /** The person's id (the route keys the second-factor throttle on it). */
  userId: string;
  /** The account uses two-step sign-in: a code is asked too, and the shorter minimum applies. */
  secondFactor: boolean;
  minLength: number;
}

/**
 * Password reset by e-mail. Asking always gets the same answer, after the same work, whether or
 * not an account uses the address. The link carries a 32-byte random token of which only the
 * SHA-256 is stored; it works once, for 30 minutes, and only the newest one a person asked for.
 * Someone with two-step sign-in must also give a code, or the link would bypass it. A reset
 * ends every session and live socket of the person (as a password change does), is audited and
 * is announced by e-mail. E-mails carry no group name and nothing anyone wrote.
 */
export function createPasswordResetService(deps: Deps, accounts: AccountService) {
  const { clock, config } = deps;

  async function findTarget(token: string): Promise<{ link: OneTimeTokenDoc; user: UserDoc }> {
    const link = await OneTimeToken.findOne({
      purpose: 'password_reset',
      tokenHash: sha256(token),
      usedAt: null,
      expiresAt: trusted({ $gt: clock.now() }),
    }).lean<OneTimeTokenDoc>();
    if (!link?.user) throw new ResetLinkInvalidError();
    // A link asked for an unknown address names an id no account has: it never works.
    const user = await User.findOne({ _id: link.user, status: 'active' }).lean<UserDoc>();
    if (!user) throw new ResetLinkInvalidError();
    return { link, user };
  }

  return {
    async requestPasswordReset(email: string): Promise<void> {
      const address = email.trim().toLowerCase();
      const user = await User.findOne({ email: address, status: 'active' })
        .select({ _id: 1, email: 1 })
        .lean<Pick<UserDoc, '_id' | 'email'>>();
      const now = clock.now();
      const token = randomBytes(32).toString('base64url');
      // The same two writes for a known and an unknown address, so the timing tells nothing:
      // older unused links of the person stop working, and the new link is stored. For an
      // unknown address both use a fresh id that no account has: the first matches nothing, and
      // the stored link can never be used (the TTL index drops it with the others).
      const owner = user?._id ?? new Types.ObjectId();
      await OneTimeToken.deleteMany({ purpose: 'password_reset', user: owner, usedAt: null });
      await OneTimeToken.create({
        purpose: 'password_reset',
        tokenHash: sha256(token),
        user: owner,
        expiresAt: new Date(now.getTime() + RESET_LINK_MINUTES * 60_000),
        createdAt: now,
      });
      if (!user) return;
      deps.log.info({ userId: String(user._id) }, 'password reset link sent');
      queueMail(
        deps,
        {
          to: user.email,
          subject: en.reset.mailSubject,
          text: en.reset.mailText(`${config.publicUrl}/reset/${token}`, RESET_LINK_MINUTES),
        },
        'password_reset',
      );
    },

    /** What the form needs to know about a link; throws ResetLinkInvalidError if it is unusable. */
    async describeResetLink(token: string): Promise<ResetLinkView> {
      const { user } = await findTarget(token);
      const secondFactor = Boolean(user.totp?.enabledAt);
      return {
        userId: String(user._id),
        secondFactor,
        minLength: secondFactor ? MIN_LENGTH_WITH_SECOND_FACTOR : MIN_LENGTH_SINGLE_FACTOR,
      };
    },

    /**
     * Sets the new password. Order: the password rules (nothing spent yet if they fail), the
     * second factor, then the link is spent by one conditional update, so two tabs racing with
     * the same link cannot both succeed.
     */
    async completePasswordReset(
      token: string,
      input: { password: string; code?: string },
    ): Promise<{ userId: string }> {
      const { link, user } = await findTarget(token);
      const secondFactor = Boolean(user.totp?.enabledAt);
      const issue = passwordIssue(
        'password',
        checkNewPassword(input.password, { hasSecondFactor: secondFactor, email: user.email }),
        secondFactor,
      );
      if (issue) throw issue;
      if (secondFactor) {
        const code = (input.code ?? '').trim();
        if (!code || !(await accounts.verifySecondFactor(user._id, code))) {
          throw new ValidationError(en.errors.validation, [
            { path: 'code', message: en.auth.codeInvalid },
          ]);
        }
      }
      const passwordHash = await hashPassword(input.password, {
        pepper: config.passwordPepper,
        cost: config.bcryptCost,
      });
      const now = clock.now();
      const spent = await OneTimeToken.findOneAndUpdate(
        { _id: link._id, usedAt: null, expiresAt: trusted({ $gt: now }) },
        { $set: { usedAt: now } },
      );
      if (!spent) throw new ResetLinkInvalidError();
      await replacePassword(deps, user, passwordHash);
      await OneTimeToken.deleteMany({ purpose: 'password_reset', user: user._id, usedAt: null });
      await recordAudit(deps, {
        key: `password_reset:${link._id.toHexString()}`,
        action: 'account.password_reset',
        actor: user._id,
        group: null,
        targetType: 'user',
        targetId: user._id,
        meta: { secondFactor },
      });
      deps.log.info({ userId: String(user._id) }, 'password reset');
      queueMail(
        deps,
        {
          to: user.email,
          subject: en.reset.changedSubject,
          text: en.reset.changedText(`${config.publicUrl}/login/forgot`),
        },
        'password_changed',
      );
      return { userId: String(user._id) };
    },
  };
}

export type PasswordResetService = ReturnType<typeof createPasswordResetService>;
