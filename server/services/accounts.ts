import { createHash, randomBytes } from 'node:crypto';
// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Membership, OneTimeToken, User, type UserDoc } from '../../models';
import {
  checkNewPassword,
  dummyHash,
  hashPassword,
  MIN_LENGTH_SINGLE_FACTOR,
  MIN_LENGTH_WITH_SECOND_FACTOR,
  passwordLength,
  verifyPassword,
} from '../auth/passwords';
import {
  checkTotp,
  findRecoveryCode,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
} from '../auth/totp';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { queueMail } from '../mail';
import { recordAudit } from './audit';
import { batched } from './batched';

const SETUP_LINK_HOURS = 24;

export function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The password rules' verdict as a form error on `field`, or null when the password is fine. */
export function passwordIssue(
  field: string,
  problem: ReturnType<typeof checkNewPassword>,
  hasSecondFactor: boolean,
) {
  if (!problem) return null;
  const message =
    problem === 'too_short'
      ? en.password.too_short(
          hasSecondFactor ? MIN_LENGTH_WITH_SECOND_FACTOR : MIN_LENGTH_SINGLE_FACTOR,
        )
      : en.password[problem];
  return new ValidationError(en.errors.validation, [{ path: field, message }]);
}

/**
 * Stores a new password hash and ends every session and live socket of the person (the epoch
 * moves on; the broadcaster drops their sockets). Shared by the password change and the reset.
 * Returns the new epoch.
 */
export async function replacePassword(
  deps: Deps,
  user: UserDoc,
  passwordHash: string,
): Promise<number> {
  const updated = await User.findOneAndUpdate(
    { _id: user._id },
    { $set: { passwordHash }, $inc: { sessionEpoch: 1 } },
    { returnDocument: 'after' },
  ).lean<UserDoc>();
  deps.events.emit('user.sessions_revoked', { userId: String(user._id) });
  return updated?.sessionEpoch ?? (user.sessionEpoch ?? 0) + 1;
}

/**
 * Accounts: first-run set-up, sign-in checks, password changes, the second factor and sessions.
 * There is no open registration: people arrive through the set-up link or an invitation.
 */
/** Roles whose holders must use a second factor (as must administrators). */
const STAFF_ROLES: Array<'moderator' | 'advocate'> = ['moderator', 'advocate'];

/** Of these people, those who hold a moderator or advocate role in some group (one query). */
async function staffAmong(userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const held = await Membership.find({
    user: trusted({ $in: userIds.map((id) => new Types.ObjectId(id)) }),
    status: 'active',
    roles: trusted({ $in: STAFF_ROLES }),
  })
    .select({ user: 1 })
    .lean();
  return new Set(held.map((m) => String(m.user)));
}

/** Asked for every signed-in request without a second factor yet: concurrent asks share a query. */
const holdsStaffRole = batched(async (userIds: string[]) => {
  const staff = await staffAmong(userIds);
  return userIds.map((id) => staff.has(id));
});

export function createAccountService(deps: Deps) {
  const { config, clock, events } = deps;
  const hashOpts = { pepper: config.passwordPepper, cost: config.bcryptCost };

  async function adminExists(): Promise<boolean> {
    return (await User.exists({ siteRole: 'admin', status: 'active' })) !== null;
  }

  return {
    adminExists,

    /**
     * On start without any administrator: a fresh one-time set-up link (older unused ones stop
     * working). Only the SHA-256 of the token is stored. Null once an administrator exists.
     */
    async createSetupLinkIfNeeded(): Promise<string | null> {
      if (await adminExists()) return null;
      const now = clock.now();
      await OneTimeToken.deleteMany({ purpose: 'setup', usedAt: null });
      const token = randomBytes(32).toString('base64url');
      await OneTimeToken.create({
        purpose: 'setup',
        tokenHash: sha256(token),
        expiresAt: new Date(now.getTime() + SETUP_LINK_HOURS * 3_600_000),
        createdAt: now,
      });
      return `${config.publicUrl}/setup/${token}`;
    },

    /** True while the link may still be used (shows the form; the POST checks again). */
    async isSetupTokenValid(token: string): Promise<boolean> {
      const found = await OneTimeToken.exists({
        purpose: 'setup',
        tokenHash: sha256(token),
        usedAt: null,
        expiresAt: trusted({ $gt: clock.now() }),
      });
      return found !== null && !(await adminExists());
    },

    /** Creates the first administrator. The token is spent by one conditional update. */
    async completeSetup(
      token: string,
      input: { email: string; displayName: string; password: string },
    ): Promise<{ userId: Types.ObjectId }> {
      const invalid = new AppError('setup_invalid', 404, en.auth.setupInvalid);
      const issue = passwordIssue(
        'password',
        checkNewPassword(input.password, { hasSecondFactor: false, email: input.email }),
        false,
      );
      if (issue) throw issue;
      if (await adminExists()) throw invalid;
      const passwordHash = await hashPassword(input.password, hashOpts);
      const now = clock.now();
      const spent = await OneTimeToken.findOneAndUpdate(
        {
          purpose: 'setup',
          tokenHash: sha256(token),
          usedAt: null,
          expiresAt: trusted({ $gt: now }),
        },
        { $set: { usedAt: now } },
      );
      if (!spent) throw invalid;
      const user = await User.create({
        email: input.email,
        displayName: input.displayName,
        passwordHash,
        siteRole: 'admin',
      });
      await OneTimeToken.updateOne({ _id: spent._id }, { $set: { user: user._id } });
      deps.log.info({ userId: String(user._id) }, 'first administrator created');
      return { userId: user._id };
    },

    /**
     * The user for this e-mail and password, or null. Unknown e-mails are compared against a dummy
     * hash so both answers take the same time.
     */
    async authenticate(email: string, password: string): Promise<UserDoc | null> {
      const user = await User.findOne({
        email: email.trim().toLowerCase(),
        status: 'active',
      }).lean<UserDoc>();
      if (!user) {
        await verifyPassword(password, await dummyHash(config.bcryptCost), hashOpts);
        return null;
      }
      const ok = await verifyPassword(password, user.passwordHash, hashOpts);
      if (!ok) return null;
      await User.updateOne({ _id: user._id }, { $set: { lastLoginAt: clock.now() } });
      return user;
    },

    /** Administrators, moderators and advocates must use a second factor. */
    async requiresSecondFactor(userId: Types.ObjectId | string, siteRole: string) {
      return siteRole === 'admin' || holdsStaffRole(String(userId));
    },

    /** `requiresSecondFactor` for many people at once (one query): the ids that need one. */
    async secondFactorRequiredAmong(
      people: ReadonlyArray<{ id: string; siteRole: string }>,
    ): Promise<Set<string>> {
      const required = new Set(people.filter((p) => p.siteRole === 'admin').map((p) => p.id));
      const others = people.filter((p) => !required.has(p.id));
      for (const id of await staffAmong(others.map((p) => p.id))) required.add(id);
      return required;
    },

    /** Checks a TOTP or recovery code for this user; spends recovery codes and used steps. */
    async verifySecondFactor(userId: Types.ObjectId | string, code: string): Promise<boolean> {
      const user = await User.findById(userId).lean<UserDoc>();
      const secret = user?.totp?.secret;
      if (!user || !secret || !user.totp?.enabledAt) return false;
      const step = checkTotp(secret, code, clock.now(), user.totp.lastTimeStep ?? undefined);
      if (step !== null) {
        // Conditional: two requests racing with the same code cannot both succeed.
        const res = await User.updateOne(
          {
            _id: user._id,
            $or: [
              { 'totp.lastTimeStep': trusted({ $exists: false }) },
              { 'totp.lastTimeStep': null },
              { 'totp.lastTimeStep': trusted({ $lt: step }) },
            ],
          },
          { $set: { 'totp.lastTimeStep': step } },
        );
        return res.modifiedCount === 1;
      }
      const hashes = user.totp.recoveryCodeHashes ?? [];
      const index = findRecoveryCode(code, hashes);
      if (index < 0) return false;
      const res = await User.updateOne(
        { _id: user._id, 'totp.recoveryCodeHashes': hashes[index] },
        { $pull: { 'totp.recoveryCodeHashes': hashes[index] } },
      );
      return res.modifiedCount === 1;
    },

    newTotpSecret,

    /** Turns TOTP on once a first code proves the app has the secret; returns recovery codes. */
    async enableTotp(actor: Actor, secret: string, code: string): Promise<string[]> {
      const step = checkTotp(secret, code, clock.now());
      if (step === null) {
        throw new ValidationError(en.errors.validation, [
          { path: 'code', message: en.auth.codeInvalid },
        ]);
      }
      const codes = newRecoveryCodes();
      await User.updateOne(
        { _id: actor.userId },
        {
          $set: {
            totp: {
              secret,
              enabledAt: clock.now(),
              lastTimeStep: step,
              recoveryCodeHashes: codes.map(hashRecoveryCode),
            },
          },
        },
      );
      deps.log.info({ userId: String(actor.userId) }, 'second factor enabled');
      return codes;
    },

    async disableTotp(actor: Actor, password: string): Promise<void> {
      const user = await User.findById(actor.userId).lean<UserDoc>();
      if (!user) throw new NotFoundError();
      if (await this.requiresSecondFactor(user._id, user.siteRole)) {
        throw new ForbiddenError(en.account.twoFactorCannotDisable);
      }
      if (!(await verifyPassword(password, user.passwordHash, hashOpts))) {
        throw new ValidationError(en.errors.validation, [
          { path: 'password', message: en.account.currentPasswordWrong },
        ]);
      }
      if (passwordLength(password) < MIN_LENGTH_SINGLE_FACTOR) {
        throw new ValidationError(en.errors.validation, [
          { path: 'password', message: en.account.twoFactorDisableNeedsLongPassword },
        ]);
      }
      await User.updateOne({ _id: user._id }, { $unset: { totp: 1 } });
      deps.log.info({ userId: String(actor.userId) }, 'second factor disabled');
    },

    async updateDisplayName(actor: Actor, displayName: string): Promise<void> {
      await User.updateOne({ _id: actor.userId }, { $set: { displayName } });
    },

    /**
     * Changes the password and ends every other session (epoch bump + live sockets dropped).
     * Returns the new epoch, which the caller's own session keeps.
     */
    async changePassword(
      actor: Actor,
      input: { currentPassword: string; newPassword: string },
    ): Promise<number> {
      const user = await User.findById(actor.userId).lean<UserDoc>();
      if (!user) throw new NotFoundError();
      if (!(await verifyPassword(input.currentPassword, user.passwordHash, hashOpts))) {
        throw new ValidationError(en.errors.validation, [
          { path: 'currentPassword', message: en.account.currentPasswordWrong },
        ]);
      }
      const hasSecondFactor = Boolean(user.totp?.enabledAt);
      const issue = passwordIssue(
        'newPassword',
        checkNewPassword(input.newPassword, { hasSecondFactor, email: user.email }),
        hasSecondFactor,
      );
      if (issue) throw issue;
      const passwordHash = await hashPassword(input.newPassword, hashOpts);
      const epoch = await replacePassword(deps, user, passwordHash);
      // Told by e-mail, as after a reset (NIST SP 800-63B: notify of authenticator changes), so
      // someone who took over a signed-in session cannot change the password unnoticed.
      await recordAudit(deps, {
        key: `password_changed:${String(user._id)}:${epoch}`,
        action: 'account.password_changed',
        actor: user._id,
        group: null,
        targetType: 'user',
        targetId: user._id,
      });
      deps.log.info({ userId: String(user._id) }, 'password changed');
      queueMail(
        deps,
        {
          to: user.email,
          subject: en.reset.changedSubject,
          text: en.reset.changedOnAccountText(`${deps.config.publicUrl}/login/forgot`),
        },
        'password_changed',
      );
      return epoch;
    },

    /** Ends every session of this person, on every device. */
    async signOutEverywhere(actor: Actor): Promise<void> {
      await User.updateOne({ _id: actor.userId }, { $inc: { sessionEpoch: 1 } });
      events.emit('user.sessions_revoked', { userId: String(actor.userId) });
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
