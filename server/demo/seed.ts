import { generateSync } from 'otplib';
import { Types } from 'mongoose';
import { Post, User } from '../../models';
import { newTotpSecret } from '../auth/totp';
import type { ManualClock } from '../clock';
import type { Actor } from '../context';
import type { Services } from '../services';
import { screen } from '../services/screening';
import {
  BIRTHDAY,
  BIRTHDAY_REPLIES,
  GROUP,
  MEMBERS,
  PENDING,
  REJECTED,
  REPORTED,
  STAFF,
  WEEK,
  type DemoPerson,
} from './script';

/**
 * Builds the demo: a support group for women living with metastatic breast cancer, its staff and
 * members, a week of approved conversation, pending posts of every screening kind, and a rejected
 * post. Everything goes through the services (accounts, invitations with consent, submission,
 * review), so the demo data is what the app itself would have stored. All people are synthetic.
 */
export interface DemoAccount {
  role: string;
  displayName: string;
  email: string;
  password: string;
  totpSecret?: string;
}

export interface DemoResult {
  groupSlug: string;
  accounts: DemoAccount[];
  counts: {
    approved: number;
    pending: number;
    rejected: number;
    reports: number;
    members: number;
  };
  pendingKinds: string[];
}

export const DEMO_PASSWORD = 'harbour demo visit';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let keyCounter = 0;
function key(): string {
  keyCounter += 1;
  return `demo-${keyCounter}-${new Types.ObjectId().toHexString()}`;
}

async function actorFor(email: string): Promise<Actor> {
  const user = await User.findOne({ email }).lean();
  if (!user) throw new Error('demo account missing');
  return {
    kind: 'user',
    userId: user._id,
    siteRole: user.siteRole,
    displayName: user.displayName,
    secondFactorDone: true,
    requestId: key(),
  };
}

/** Turns on TOTP through the account service, proving a code as a person would. */
async function withTotp(services: Services, clock: ManualClock, actor: Actor): Promise<string> {
  const secret = newTotpSecret();
  const code = generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
  await services.accounts.enableTotp(actor, secret, code);
  return secret;
}

export async function seedDemo(
  services: Services,
  clock: ManualClock,
  endAt: Date,
): Promise<DemoResult> {
  // The week of conversation happens on a clock that starts eight days before `endAt`, posts in
  // daytime (Irish time is UTC or UTC+1), the queue filling in the last few hours.
  const midnight = new Date(endAt);
  midnight.setUTCHours(0, 0, 0, 0);
  const dayAt = (daysAgo: number, hours: number) =>
    new Date(midnight.getTime() - daysAgo * DAY + hours * HOUR);
  clock.set(dayAt(8, 9));
  const accounts: DemoAccount[] = [];
  const setupLink = await services.accounts.createSetupLinkIfNeeded();
  if (!setupLink) throw new Error('the demo database already has an administrator');
  const admin = STAFF.find((p) => p.role === 'administrator') as DemoPerson;
  await services.accounts.completeSetup(setupLink.split('/setup/')[1] ?? '', {
    email: admin.email,
    displayName: admin.displayName,
    password: DEMO_PASSWORD,
  });
  const adminActor = await actorFor(admin.email);
  accounts.push({
    ...admin,
    password: DEMO_PASSWORD,
    totpSecret: await withTotp(services, clock, adminActor),
  });

  const group = await services.groups.createGroup(adminActor, GROUP);
  const groupId = group._id.toHexString();

  // Staff: accounts made by the administrator, roles given, documents accepted on first visit.
  const staffActors = new Map<string, Actor>();
  for (const person of STAFF.filter((p) => p.role !== 'administrator')) {
    const { userId } = await services.groups.createAccountFor(adminActor, {
      email: person.email,
      displayName: person.displayName,
      password: DEMO_PASSWORD,
    });
    const roles = person.role === 'moderator' ? ['member', 'moderator'] : ['member', 'advocate'];
    await services.groups.setRoles(adminActor, groupId, { userId, roles });
    const actor = await actorFor(person.email);
    const pending = await services.consent.pendingDocuments(actor, group.slug);
    await services.consent.acceptDocuments(actor, group.slug, {
      accepted: pending.documents.map((d) => d.kind),
    });
    staffActors.set(person.key, actor);
    accounts.push({
      ...person,
      password: DEMO_PASSWORD,
      totpSecret: await withTotp(services, clock, actor),
    });
  }
  const advocate = staffActors.get('advocate') as Actor;
  const moderator = staffActors.get('moderator') as Actor;

  // Members join through an invitation link, accepting the documents. (A real newcomer first
  // confirms their address from an e-mail; the demo has no mailbox, so the administrator makes
  // their accounts and they redeem the link signed in.)
  const invitation = await services.invitations.createInvitation(advocate, group.slug, {
    kind: 'link',
    maxUses: MEMBERS.length,
    days: 7,
  });
  const members = new Map<string, Actor>();
  for (const person of MEMBERS) {
    await services.groups.createAccountFor(adminActor, {
      email: person.email,
      displayName: person.displayName,
      password: DEMO_PASSWORD,
    });
    const actor = await actorFor(person.email);
    const preview = await services.invitations.previewInvitation(actor, invitation.token);
    await services.invitations.redeemInvitation(actor, invitation.token, {
      confirmAge: true,
      accepted: preview.documents.map((d) => d.kind),
    });
    members.set(person.key, actor);
    clock.advance(10 * 60_000);
  }
  const someMember = MEMBERS[0] as DemoPerson;
  accounts.push({ ...someMember, role: 'member', password: DEMO_PASSWORD });
  const everyone = new Map([...members, ...staffActors]);
  const who = (k: string): Actor => {
    const actor = everyone.get(k);
    if (!actor) throw new Error(`demo script names an unknown person: ${k}`);
    return actor;
  };

  let approved = 0;
  async function publish(
    author: string,
    body: string,
    parentId?: string,
    topic?: string,
  ): Promise<string> {
    const stored = await services.posts.submitPost(who(author), {
      group: group.slug,
      body,
      parentId,
      topic,
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (stored.status !== 'stored') throw new Error('demo post not stored');
    clock.advance(4 * 60_000);
    await services.reviews.approvePost(moderator, { postId: stored.post.id, version: 1 });
    approved += 1;
    return stored.post.id;
  }

  // A week: each day's threads, replies and a few reactions.
  for (const [dayIndex, day] of WEEK.entries()) {
    clock.set(dayAt(7 - dayIndex, 9.5));
    for (const thread of day) {
      const id = await publish(thread.author, thread.body, undefined, thread.topic);
      for (const reply of thread.replies) {
        clock.advance(37 * 60_000);
        await publish(reply.author, reply.body, id);
      }
      for (const [i, reactor] of (thread.hearts ?? []).entries()) {
        await services.posts.reactToPost(who(reactor), {
          postId: id,
          kind: i % 3 === 0 ? 'hug' : 'heart',
        });
      }
      clock.advance(2 * HOUR);
    }
  }

  // Yesterday's birthday, with dozens of replies through the day.
  clock.set(dayAt(1, 8.25));
  const birthdayId = await publish(BIRTHDAY.author, BIRTHDAY.body);
  for (const reply of BIRTHDAY_REPLIES) {
    clock.advance(17 * 60_000);
    await publish(reply.author, reply.body, birthdayId);
  }
  for (const person of MEMBERS.slice(1)) {
    await services.posts.reactToPost(who(person.key), { postId: birthdayId, kind: 'heart' });
  }

  // A published reply that members reported, for the moderators' reports tab.
  clock.set(dayAt(1, 18));
  const reportedId = await publish(REPORTED.author, REPORTED.body);
  for (const reporter of REPORTED.reporters) {
    await services.reports.reportPost(who(reporter.key), {
      postId: reportedId,
      ruleId: REPORTED.ruleId,
      note: reporter.note,
    });
  }
  const reports = REPORTED.reporters.length;

  // A post that was not published, citing a rule (the author sees why and can revise).
  clock.set(dayAt(1, 20));
  let rejected = 0;
  for (const item of REJECTED) {
    const stored = await services.posts.submitPost(who(item.author), {
      group: group.slug,
      body: item.body,
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (stored.status !== 'stored') throw new Error('demo post not stored');
    await services.reviews.rejectPost(moderator, {
      postId: stored.post.id,
      version: 1,
      ruleId: item.ruleId,
      note: item.note,
    });
    rejected += 1;
  }

  // Waiting in the queue: one post for each screening kind, and a few plain ones.
  clock.set(new Date(endAt.getTime() - 3 * HOUR));
  const pendingKinds = new Set<string>();
  for (const item of PENDING) {
    for (const f of screen(item.body)) pendingKinds.add(f.kind);
    const stored = await services.posts.submitPost(who(item.author), {
      group: group.slug,
      body: item.body,
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (stored.status !== 'stored') throw new Error('demo post not stored');
    clock.advance(17 * 60_000);
  }

  // privileged read: the demo's own summary count, printed for the operator
  const pending = await Post.countDocuments({ group: group._id, status: 'pending' });
  return {
    groupSlug: group.slug,
    accounts,
    counts: { approved, pending, rejected, reports, members: MEMBERS.length + STAFF.length - 1 },
    pendingKinds: [...pendingKinds].sort(),
  };
}
