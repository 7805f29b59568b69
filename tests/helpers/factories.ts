import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import {
  Consent,
  Group,
  Membership,
  User,
  type GroupDoc,
  type GroupRole,
  type MembershipDoc,
  type UserDoc,
} from '../../models';
import { hashPassword } from '../../server/auth/passwords';
import type { Actor } from '../../server/context';
import { TEST_PASSWORD_PEPPER } from './deps';

/**
 * Factories persist random but valid records; each test builds its own group (and people), so
 * test files never need to clean up after each other.
 */
let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}

export const TEST_PASSWORD = 'correct horse battery staple';
let cachedHash: string | undefined;

export async function createUser(
  fields: Partial<{
    email: string;
    displayName: string;
    siteRole: 'member' | 'admin';
    password: string;
  }> = {},
): Promise<UserDoc> {
  // Hashed exactly as the app checks passwords (HMAC pre-hash with the test pepper, then bcrypt).
  const hashOpts = { pepper: TEST_PASSWORD_PEPPER, cost: 4 };
  const passwordHash =
    fields.password !== undefined
      ? await hashPassword(fields.password, hashOpts)
      : (cachedHash ??= await hashPassword(TEST_PASSWORD, hashOpts));
  const user = await User.create({
    email: fields.email ?? `${unique('user')}@example.test`,
    displayName: fields.displayName ?? unique('Member'),
    passwordHash,
    siteRole: fields.siteRole ?? 'member',
  });
  return user.toObject() as UserDoc;
}

export async function createGroup(fields: Partial<GroupDoc> = {}): Promise<GroupDoc> {
  const group = await Group.create({
    slug: unique('group').toLowerCase(),
    name: 'Test support group',
    description: 'A group for testing.',
    disclaimer: 'Take personal health concerns to your own doctor or care team.',
    rules: [
      { ruleId: 'r-kind', title: 'Be kind', body: 'Support each other.' },
      { ruleId: 'r-health', title: 'No personal health questions', body: 'Ask your care team.' },
      { ruleId: 'r-photos', title: 'No photos', body: '' },
      { ruleId: 'r-profanity', title: 'No profanity', body: '' },
    ],
    ...fields,
  });
  return group.toObject() as GroupDoc;
}

/** Adds a person to a group with roles, having accepted the group's current documents. */
export async function addMember(
  user: UserDoc,
  group: GroupDoc,
  roles: GroupRole[] = ['member'],
  fields: Partial<MembershipDoc> = {},
): Promise<MembershipDoc> {
  const membership = await Membership.create({
    user: user._id,
    group: group._id,
    roles,
    joinedAt: new Date('2026-03-01T09:00:00Z'),
    ...fields,
  });
  await Consent.create([
    {
      user: user._id,
      kind: 'rules',
      group: group._id,
      version: group.rulesVersion,
      acceptedAt: new Date(),
    },
    {
      user: user._id,
      kind: 'disclaimer',
      group: group._id,
      version: group.disclaimerVersion,
      acceptedAt: new Date(),
    },
  ]);
  return membership.toObject() as MembershipDoc;
}

export function actorFor(user: UserDoc): Actor {
  return {
    kind: 'user',
    userId: new Types.ObjectId(String(user._id)),
    siteRole: user.siteRole,
    displayName: user.displayName,
    secondFactorDone: true,
    requestId: unique('req'),
  };
}

/** A group with one moderator, one advocate and one member, ready to use. */
export async function createGroupWithPeople() {
  const group = await createGroup();
  const [moderator, advocate, member] = await Promise.all([
    createUser({ displayName: unique('Moderator') }),
    createUser({ displayName: unique('Advocate') }),
    createUser({ displayName: unique('Member') }),
  ]);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(advocate, group, ['member', 'advocate']);
  await addMember(member, group, ['member']);
  return { group, moderator, advocate, member };
}
