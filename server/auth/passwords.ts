import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';
import { hashPool } from './hash-pool';

/**
 * Password rules after NIST SP 800-63B-4: length only (no composition rules), counted in Unicode
 * code points after NFKC normalisation; at least 15 when the password is the only factor, 8 with a
 * second factor; long passwords and emoji welcome; common and breached passwords refused.
 *
 * bcrypt reads only the first 72 bytes, so the password is first run through HMAC-SHA-256 with a
 * server-side pepper and the base64 digest (44 bytes) is what bcrypt hashes: two long passwords
 * sharing their first 72 bytes never match. Hashing runs on lower-priority threads (hash-pool.ts).
 */
export const MIN_LENGTH_SINGLE_FACTOR = 15;
export const MIN_LENGTH_WITH_SECOND_FACTOR = 8;
/** Generous, only to bound hashing work on absurd input. */
export const MAX_LENGTH = 1024;

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'contains_email';

export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length in code points (an emoji counts once), after NFKC. */
export function passwordLength(password: string): number {
  return [...normalizePassword(password)].length;
}

let commonPasswords: Set<string> | undefined;

function commonList(): Set<string> {
  if (!commonPasswords) {
    // The list lives in the source tree; the build output (dist/) reads it from there too.
    const file = path.join(projectRoot(), 'server', 'auth', 'common-passwords.txt');
    if (!existsSync(file)) throw new Error('server/auth/common-passwords.txt is missing');
    commonPasswords = new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  return commonPasswords;
}

/** Compared without case or spaces, so "Correct Horse Battery Staple" is caught too. */
function commonKey(password: string): string {
  return normalizePassword(password).toLowerCase().replace(/\s+/g, '');
}

export function isCommonPassword(password: string): boolean {
  return commonList().has(commonKey(password));
}

/** Returns the first problem with a new password, or null when it is acceptable. */
export function checkNewPassword(
  password: string,
  opts: { hasSecondFactor: boolean; email?: string },
): PasswordProblem | null {
  const length = passwordLength(password);
  const min = opts.hasSecondFactor ? MIN_LENGTH_WITH_SECOND_FACTOR : MIN_LENGTH_SINGLE_FACTOR;
  if (length < min) return 'too_short';
  if (length > MAX_LENGTH) return 'too_long';
  if (isCommonPassword(password)) return 'common';
  if (opts.email && commonKey(password) === commonKey(opts.email)) return 'contains_email';
  return null;
}

function prehash(password: string, pepper: string): string {
  return createHmac('sha256', pepper).update(normalizePassword(password), 'utf8').digest('base64');
}

export async function hashPassword(
  password: string,
  opts: { pepper: string; cost: number },
): Promise<string> {
  return hashPool().hash(prehash(password, opts.pepper), opts.cost);
}

export async function verifyPassword(
  password: string,
  hash: string,
  opts: { pepper: string },
): Promise<boolean> {
  if (password.length > MAX_LENGTH * 4) return false;
  return hashPool().compare(prehash(password, opts.pepper), hash);
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * A hash to compare against when the e-mail is unknown, so a failed sign-in takes the same time
 * whether or not the account exists.
 */
export function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashPool().hash('harbour-dummy-password-for-equal-timing', cost);
    dummyHashes.set(cost, hash);
    hash.catch(() => dummyHashes.delete(cost)); // try again next time
  }
  return hash;
}
