import { Types } from 'mongoose';
import { User, type UserDoc } from '../../models';
import { checkNewPassword, hashPassword } from '../auth/passwords';
import type { Deps } from '../deps';
import { ValidationError } from '../errors';
import { en } from '../i18n/en';

/**
 * Creating an account, for the two ways people arrive without open registration: an administrator
 * creates it, or a person redeems an invitation. Password rules and hashing are the foundation's
 * (server/auth/passwords.ts); only this file talks to them.
 */
export class EmailTakenError extends Error {}

/** Throws ValidationError (field `password`) when the password breaks the rules. */
export function checkPasswordOrThrow(password: string, email: string): void {
  const problem = checkNewPassword(password, { hasSecondFactor: false, email });
  if (problem) {
    throw new ValidationError(en.accounts.passwordProblem(problem), [
      { path: 'password', message: en.accounts.passwordProblem(problem) },
    ]);
  }
}

export async function createAccount(
  deps: Deps,
  input: { email: string; displayName: string; password: string; id?: Types.ObjectId },
): Promise<UserDoc> {
  checkPasswordOrThrow(input.password, input.email);
  const passwordHash = await hashPassword(input.password, {
    pepper: deps.config.passwordPepper,
    cost: deps.config.bcryptCost,
  });
  return createAccountWithHash(deps, { ...input, passwordHash });
}

/** For a password checked and hashed earlier (a sign-up confirmed from its e-mail). */
export async function createAccountWithHash(
  deps: Deps,
  input: { email: string; displayName: string; passwordHash: string; id?: Types.ObjectId },
): Promise<UserDoc> {
  try {
    const user = await User.create({
      _id: input.id ?? new Types.ObjectId(),
      email: input.email,
      displayName: input.displayName,
      passwordHash: input.passwordHash,
      siteRole: 'member',
    });
    deps.log.info({ userId: String(user._id) }, 'account created');
    return user.toObject() as UserDoc;
  } catch (error) {
    if ((error as { code?: unknown }).code === 11000) throw new EmailTakenError();
    throw error;
  }
}
