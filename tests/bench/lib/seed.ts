/**
 * Seeds the server's database directly through the models (bulk inserts: 1,000 members take a
 * second, not minutes). Members accept every current document, moderators have TOTP on.
 *
 * Passwords are hashed as the app checks them (HMAC pre-hash with the pepper the harness gives the
 * server, then bcrypt). Seeded accounts use cost 4 so signing in 1,000 members is quick; scenario E
 * signs in with accounts hashed at production's cost 12 (`costlyUsers`).
 */
import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { Consent, Group, Membership, Post, User } from '../../../models';
import { hashPassword } from '../../../server/auth/passwords';
import { newTotpSecret } from '../../../server/auth/totp';
import { TEST_PASSWORD_PEPPER } from '../../helpers/deps';

export const PASSWORD = 'bench password that is long enough';

export interface SeedUser {
  id: string;
  email: string;
  totpSecret?: string;
}

export interface SeededGroup {
  id: string;
  slug: string;
  moderator: SeedUser;
  members: SeedUser[];
}

const hashes = new Map<number, Promise<string>>();
function hashAt(cost: number): Promise<string> {
  let hash = hashes.get(cost);
  if (!hash) {
    hash = hashPassword(PASSWORD, { pepper: TEST_PASSWORD_PEPPER, cost });
    hashes.set(cost, hash);
  }
  return hash;
}

export async function connectSeed(uri: string): Promise<void> {
  mongoose.set('strictQuery', 'throw');
  if (mongoose.connection.readyState !== 1) await mongoose.connect(uri);
}

/** What the database has done so far: see `databaseWork`. */
export interface DatabaseWork {
  /**
   * Documents read to answer queries (matched or not): the embedded engine's counter, or mongod's
   * `metrics.queryExecutor.scannedObjects`. A figure per page or per approval that grows with a
   * group's size or history points at a missing index.
   */
  docsExamined: number;
  /**
   * Operations received (`opcounters`, as mongod counts them): each is a round trip unless the
   * driver batched several statements. This reading's own serverStatus is not counted.
   */
  operations: number;
}

export async function databaseWork(): Promise<DatabaseWork> {
  const db = mongoose.connection.db;
  if (!db) return { docsExamined: 0, operations: 0 };
  const status = (await db.admin().command({ serverStatus: 1 })) as {
    engineStats?: { docsExamined?: number };
    metrics?: { queryExecutor?: { scannedObjects?: number } };
    opcounters?: Record<string, unknown>;
  };
  const ops = Object.values(status.opcounters ?? {}).reduce<number>((n, v) => n + Number(v), 0);
  return {
    docsExamined: Number(
      status.engineStats?.docsExamined ?? status.metrics?.queryExecutor?.scannedObjects ?? 0,
    ),
    operations: Math.max(0, ops - 1),
  };
}

/** The work done between two readings. */
export function workBetween(before: DatabaseWork, after: DatabaseWork): DatabaseWork {
  return {
    docsExamined: after.docsExamined - before.docsExamined,
    // `after`'s own serverStatus was counted before it answered.
    operations: Math.max(0, after.operations - before.operations - 1),
  };
}

export async function disconnectSeed(): Promise<void> {
  await mongoose.disconnect();
}

let run = 0;
function tag(): string {
  run += 1;
  return `${randomBytes(3).toString('hex')}-${run}`;
}

async function insertUsers(count: number, cost: number, prefix: string): Promise<SeedUser[]> {
  const passwordHash = await hashAt(cost);
  const t = tag();
  const docs = Array.from({ length: count }, (_, i) => ({
    _id: new Types.ObjectId(),
    email: `${prefix}-${t}-${i}@bench.test`,
    displayName: `${prefix} ${i}`,
    passwordHash,
    siteRole: 'member' as const,
  }));
  for (let i = 0; i < docs.length; i += 1000) {
    await User.insertMany(docs.slice(i, i + 1000), { ordered: false });
  }
  return docs.map((d) => ({ id: String(d._id), email: d.email }));
}

async function acceptAll(userIds: string[], groupId: Types.ObjectId): Promise<void> {
  const at = new Date();
  const docs = userIds.flatMap((id) => {
    const user = new Types.ObjectId(id);
    return [
      { user, kind: 'rules', group: groupId, version: 1, acceptedAt: at },
      { user, kind: 'disclaimer', group: groupId, version: 1, acceptedAt: at },
    ];
  });
  for (let i = 0; i < docs.length; i += 2000) {
    await Consent.insertMany(docs.slice(i, i + 2000), { ordered: false });
  }
}

/** Site documents (terms, privacy) for users not yet seen in this database. */
async function acceptSite(userIds: string[]): Promise<void> {
  const at = new Date();
  const docs = userIds.flatMap((id) => {
    const user = new Types.ObjectId(id);
    return [
      { user, kind: 'terms', group: null, version: 1, acceptedAt: at },
      { user, kind: 'privacy', group: null, version: 1, acceptedAt: at },
    ];
  });
  for (let i = 0; i < docs.length; i += 2000) {
    await Consent.insertMany(docs.slice(i, i + 2000), { ordered: false });
  }
}

/** A group with one moderator (TOTP on) and `members` ordinary members, all consents accepted. */
export async function seedGroup(members: number): Promise<SeededGroup> {
  const t = tag();
  const group = await Group.create({
    slug: `bench-${t}`,
    name: 'Bench group',
    description: 'A group for measuring.',
    disclaimer: 'Take personal health concerns to your own doctor or care team.',
    rules: [{ ruleId: 'r-kind', title: 'Be kind', body: 'Support each other.' }],
    // Open around the clock, so the expected-wait figure never depends on the hour of the run.
    businessHours: { timeZone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
  });
  const [moderator] = await insertUsers(1, 4, 'Moderator');
  const people = await insertUsers(members, 4, 'Member');
  const secret = newTotpSecret();
  await User.updateOne(
    { _id: new Types.ObjectId(moderator?.id) },
    { $set: { totp: { secret, enabledAt: new Date() } } },
  );
  const joinedAt = new Date('2026-01-05T09:00:00Z');
  await Membership.insertMany([
    { user: moderator?.id, group: group._id, roles: ['member', 'moderator'], joinedAt },
    ...people.map((p) => ({ user: p.id, group: group._id, roles: ['member'], joinedAt })),
  ]);
  const ids = [moderator?.id as string, ...people.map((p) => p.id)];
  await acceptAll(ids, group._id);
  await acceptSite(ids);
  return {
    id: String(group._id),
    slug: group.slug,
    moderator: { ...(moderator as SeedUser), totpSecret: secret },
    members: people,
  };
}

/** Members of an existing group whose passwords are hashed at `cost` (scenario E signs in). */
export async function costlyUsers(count: number, cost: number): Promise<SeedUser[]> {
  const users = await insertUsers(count, cost, 'Costly');
  await acceptSite(users.map((u) => u.id));
  return users;
}

/** Approved posts (threads of one post and `repliesPer` replies) as published by a moderator. */
export async function seedApprovedPosts(
  g: SeededGroup,
  threads: number,
  repliesPer: number,
): Promise<void> {
  const groupId = new Types.ObjectId(g.id);
  const mod = new Types.ObjectId(g.moderator.id);
  const authors = g.members.length ? g.members : [g.moderator];
  let seq = 0;
  const now = Date.now();
  const make = (parent: Types.ObjectId | null, i: number) => {
    seq += 1;
    const at = new Date(now - (10_000 - seq) * 1000);
    const author = new Types.ObjectId(authors[i % authors.length]?.id);
    return {
      _id: new Types.ObjectId(),
      group: groupId,
      author,
      parent,
      body: `Bench post ${seq}: thank you all for sharing how the week went, it helps a lot.`,
      status: 'approved',
      version: 2,
      seq,
      idempotencyKey: `bench-${randomBytes(8).toString('hex')}`,
      submittedAt: at,
      publishedAt: at,
      lastActivityAt: at,
      lane: 'normal',
      replyCount: parent ? 0 : repliesPer,
      decision: { action: 'approved', by: mod, byName: 'Moderator', at, previousStatus: 'pending' },
      history: [{ action: 'submitted', by: author, at, toStatus: 'pending' }],
    };
  };
  const docs = [];
  for (let t = 0; t < threads; t++) {
    const top = make(null, t);
    docs.push(top);
    for (let r = 0; r < repliesPer; r++) docs.push(make(top._id, t + r + 1));
  }
  await Post.insertMany(docs);
  await Group.updateOne({ _id: groupId }, { $set: { lastSeq: seq } });
}

/** Pending posts, as if submitted by the group's members (scenario C approves them). */
export async function seedPendingPosts(g: SeededGroup, count: number): Promise<string[]> {
  const groupId = new Types.ObjectId(g.id);
  const ids: string[] = [];
  const now = new Date();
  for (let i = 0; i < count; i += 2000) {
    const docs = Array.from({ length: Math.min(2000, count - i) }, (_, k) => {
      const author = new Types.ObjectId(g.members[(i + k) % g.members.length]?.id);
      const _id = new Types.ObjectId();
      ids.push(String(_id));
      return {
        _id,
        group: groupId,
        author,
        parent: null,
        body: `Pending bench post ${i + k}: a short note about the day.`,
        status: 'pending',
        version: 1,
        idempotencyKey: `bench-${randomBytes(8).toString('hex')}`,
        submittedAt: now,
        lane: 'normal',
        history: [{ action: 'submitted', by: author, at: now, toStatus: 'pending' }],
      };
    });
    await Post.insertMany(docs, { ordered: false });
  }
  return ids;
}
