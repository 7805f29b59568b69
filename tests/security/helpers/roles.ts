import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Consent, Invitation, JoinRequest, type GroupDoc, type UserDoc } from '../../../models';
import { currentSiteVersions } from '../../../server/services/documents';
import type { Services } from '../../../server/services';
import type { ManualClock } from '../../../server/clock';
import {
  actorFor,
  addMember,
  createGroup,
  createUser,
  TEST_PASSWORD,
} from '../../helpers/factories';
import {
  csrfFrom,
  enableTotp,
  signIn,
  type SignedInAgent,
  type TestApp,
} from '../../helpers/test-app';

/** The people the access matrices try every route and event as (relative to group A). */
export const ROLES = [
  'anonymous',
  'nonMember',
  'otherMember',
  'member',
  'advocate',
  'moderator',
  'moderatorElsewhere',
  'admin',
  'muted',
  'suspended',
  'removed',
] as const;
export type Role = (typeof ROLES)[number];
export type SignedInRole = Exclude<Role, 'anonymous'>;
export const SIGNED_IN: SignedInRole[] = ROLES.filter((r): r is SignedInRole => r !== 'anonymous');

/** Roles that may not see inside group A at all: for them A must look exactly like a missing group. */
export const OUTSIDE_A: Role[] = [
  'anonymous',
  'nonMember',
  'otherMember',
  'moderatorElsewhere',
  'admin',
  'suspended',
  'removed',
];
/** Everyone inside group A who can read its approved conversation. */
export const READERS_A: SignedInRole[] = ['member', 'advocate', 'moderator', 'muted'];

export interface People {
  users: Record<SignedInRole | 'target', UserDoc>;
  /** Signed-in HTTP agents (session cookie + CSRF token) for every signed-in role. */
  agents: Record<SignedInRole, SignedInAgent>;
  anonymous: AnonymousAgent;
  /** TOTP secrets of the accounts that need a second factor (staff and the administrator). */
  totp: Partial<Record<SignedInRole, string>>;
}

/** Staff (and administrators) must use a second factor; these accounts have one. */
const WITH_TOTP: SignedInRole[] = ['admin', 'advocate', 'moderator', 'moderatorElsewhere'];

export type AnonymousAgent = ReturnType<typeof request.agent> & { csrf(): string };

/** Creates one account per role and signs each in once (the admin with its second factor). */
export async function createPeople(t: TestApp): Promise<People> {
  const users = {} as Record<SignedInRole | 'target', UserDoc>;
  for (const role of [...SIGNED_IN, 'target'] as const) {
    users[role] = await createUser({
      siteRole: role === 'admin' ? 'admin' : 'member',
      displayName: `Person ${role} ${randomBytes(2).toString('hex')}`,
    });
  }
  const totp: Partial<Record<SignedInRole, string>> = {};
  for (const role of WITH_TOTP) totp[role] = await enableTotp(users[role]._id);
  const people: People = {
    users,
    agents: {} as Record<SignedInRole, SignedInAgent>,
    anonymous: await anonymousAgent(t.baseUrl),
    totp,
  };
  for (const role of SIGNED_IN) people.agents[role] = await signInAs(t, people, role);
  return people;
}

/** A new session for a role's account (through the real sign-in form). */
export function signInAs(t: TestApp, people: People, role: SignedInRole): Promise<SignedInAgent> {
  const secret = people.totp[role];
  return signIn(
    t.baseUrl,
    people.users[role].email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
}

export async function anonymousAgent(baseUrl: string): Promise<AnonymousAgent> {
  const agent = request.agent(baseUrl);
  const token = csrfFrom((await agent.get('/login')).text);
  return Object.assign(agent, { csrf: () => token });
}

export interface GroupFixture {
  group: GroupDoc;
  pendingPostId: string;
  rejectedPostId: string;
  approvedPostId: string;
  invitationId: string;
  invitationToken: string;
  joinRequestId: string;
  /** A plain member of the group (the one staff act on). */
  targetUserId: string;
  /** Texts that must never reach anyone who may not see them. */
  secrets: { pending: string; rejected: string; approved: string; name: string };
}

export interface Fixture {
  a: GroupFixture;
  b: GroupFixture;
}

/**
 * Fresh groups A (secret: hidden from the public list) and B, with every role placed in them,
 * posts in each state, an invitation and a join request. Built through the services, so the
 * records are exactly what the app makes.
 */
export async function buildFixture(
  services: Services,
  clock: ManualClock,
  people: People,
): Promise<Fixture> {
  const { users } = people;
  const soon = new Date(clock.now().getTime() + 7 * 86_400_000);
  const tag = randomBytes(4).toString('hex');
  const groupA = await createGroup({
    name: `Secret circle ${tag}`,
    hidden: true,
    questions: [{ questionId: 'q1', text: 'Why?' }],
  } as never);
  const groupB = await createGroup({ name: `Other circle ${tag}` });
  await Promise.all([
    addMember(users.member, groupA, ['member']),
    addMember(users.target, groupA, ['member']),
    addMember(users.advocate, groupA, ['member', 'advocate']),
    addMember(users.moderator, groupA, ['member', 'moderator']),
    addMember(users.muted, groupA, ['member'], { mutedUntil: soon }),
    addMember(users.suspended, groupA, ['member'], { suspendedUntil: soon }),
    addMember(users.removed, groupA, ['member'], { status: 'removed' }),
    addMember(users.otherMember, groupB, ['member']),
    // Staff elsewhere: moderator and advocate of B.
    addMember(users.moderatorElsewhere, groupB, ['member', 'moderator', 'advocate']),
  ]);
  // Site documents published by an administrator in an earlier row: everyone has accepted them.
  const site = await currentSiteVersions();
  for (const kind of ['terms', 'privacy'] as const) {
    const version = site[kind];
    if (!version) continue;
    for (const user of Object.values(users)) {
      await Consent.updateOne(
        { user: user._id, kind, group: null, version },
        { $setOnInsert: { acceptedAt: clock.now() } },
        { upsert: true },
      );
    }
  }
  const [a, b] = await Promise.all([
    fillGroup(services, groupA, users.member, users.moderator, users.advocate, tag, users.target),
    fillGroup(
      services,
      groupB,
      users.otherMember,
      users.moderatorElsewhere,
      users.moderatorElsewhere,
      `${tag}b`,
      users.otherMember,
    ),
  ]);
  return { a, b };
}

async function fillGroup(
  services: Services,
  group: GroupDoc,
  author: UserDoc,
  moderator: UserDoc,
  advocate: UserDoc,
  tag: string,
  target: UserDoc,
): Promise<GroupFixture> {
  const secrets = {
    pending: `PENDING-${tag}-canary`,
    rejected: `REJECTED-${tag}-canary`,
    approved: `APPROVED-${tag}-canary`,
    name: group.name,
  };
  const submit = async (body: string) => {
    const res = await services.posts.submitPost(actorFor(author), {
      group: group.slug,
      body,
      idempotencyKey: `key-${randomBytes(8).toString('hex')}`,
      acknowledgedFindings: true,
    });
    if (res.status !== 'stored') throw new Error('fixture post not stored');
    return res.post.id;
  };
  const [approvedPostId, rejectedPostId, pendingPostId, { invitation, token }, joinRequest] =
    await Promise.all([
      submit(secrets.approved).then(async (postId) => {
        await services.reviews.approvePost(actorFor(moderator), { postId, version: 1 });
        return postId;
      }),
      submit(secrets.rejected).then(async (postId) => {
        await services.reviews.rejectPost(actorFor(moderator), {
          postId,
          version: 1,
          ruleId: 'r-kind',
          note: 'Please rephrase',
        });
        return postId;
      }),
      submit(secrets.pending),
      services.invitations.createInvitation(actorFor(advocate), group.slug, {
        kind: 'link',
        maxUses: '3',
        days: '7',
        email: '',
      }),
      JoinRequest.create({
        group: group._id,
        email: `join-${tag}@example.test`,
        status: 'pending',
        answers: [],
      }),
    ]);
  const invitationDoc = await Invitation.findById(invitation.id).lean();
  return {
    group,
    pendingPostId,
    rejectedPostId,
    approvedPostId,
    invitationId: String(invitationDoc?._id),
    invitationToken: token,
    joinRequestId: String(joinRequest._id),
    targetUserId: String(target._id),
    secrets,
  };
}
