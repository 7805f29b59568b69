import mongoose from 'mongoose';
import { Appeal, AuditEvent, Membership, Notification, Post, Report } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../../helpers/factories';

/**
 * Appeals and the audit log, through the services as the pages use them: what a member sees
 * about decisions on their content, who reviews an appeal, what overturning does, and which
 * audit events each kind of viewer can browse.
 */
const deps = testDeps();
const services = createServices(deps);
let counter = 0;
const key = () => `key-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('moderation-services'));
  await Promise.all([
    Post.init(),
    Membership.init(),
    AuditEvent.init(),
    Appeal.init(),
    Report.init(),
  ]);
});
afterAll(async () => {
  await mongoose.disconnect();
});
beforeEach(() => deps.clock.set(new Date('2026-03-02T10:00:00Z')));

async function rejects(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

async function world(moderators = 2) {
  const group = await createGroup();
  const mods = [];
  for (let i = 0; i < moderators; i += 1) {
    const u = await createUser();
    await addMember(u, group, ['member', 'moderator']);
    mods.push(u);
  }
  const author = await createUser();
  const reader = await createUser();
  await addMember(author, group);
  await addMember(reader, group);
  return { group, mods, author, reader };
}

async function publish(w: Awaited<ReturnType<typeof world>>, body: string) {
  const stored = await services.posts.submitPost(actorFor(w.author), {
    group: w.group.slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: true,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  const approved = await services.reviews.approvePost(actorFor(w.mods[0]!), {
    postId: stored.post.id,
    version: stored.post.version,
  });
  return { id: stored.post.id, version: approved.version };
}

describe('decisions and appeals', () => {
  it('a hidden post: the author sees the rule, appeals once, another moderator overturns, the post is back', async () => {
    const w = await world(2);
    const [decider, other] = w.mods as [(typeof w.mods)[0], (typeof w.mods)[0]];
    const post = await publish(w, 'The waiting room was freezing and nobody cared');
    await services.moderation.hidePost(actorFor(decider), {
      postId: post.id,
      version: post.version,
      ruleId: 'r-kind',
      note: 'Hidden while we check.',
    });

    const decisions = await services.appeals.listMyDecisions(actorFor(w.author));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      action: 'post.hidden',
      ruleTitle: 'Be kind',
      note: 'Hidden while we check.',
      canAppeal: true,
      postBody: 'The waiting room was freezing and nobody cared',
    });
    // Nobody else sees it as theirs, and nobody else can appeal it.
    expect(await services.appeals.listMyDecisions(actorFor(w.reader))).toEqual([]);
    const stranger = await rejects(
      services.appeals.appealDecision(actorFor(w.reader), { decisionId: decisions[0]!.id }),
    );
    expect(stranger.code).toBe('not_found');

    await services.appeals.appealDecision(actorFor(w.author), {
      decisionId: decisions[0]!.id,
      statement: 'It was criticism, not unkindness.',
    });
    const twice = await rejects(
      services.appeals.appealDecision(actorFor(w.author), { decisionId: decisions[0]!.id }),
    );
    expect(twice.code).toBe('conflict');
    expect(await Appeal.countDocuments({ decision: decisions[0]!.id })).toBe(1);

    const appeal = await Appeal.findOne({ decision: decisions[0]!.id }).lean();
    expect(String(appeal?.assignedTo)).toBe(String(other._id));
    expect(await Notification.countDocuments({ user: other._id, kind: 'appeal_assigned' })).toBe(1);

    // The decider cannot judge their own decision; the assignee can.
    const own = await rejects(
      services.appeals.decideAppeal(actorFor(decider), {
        appealId: String(appeal?._id),
        outcome: 'upheld',
      }),
    );
    expect(own.code).toBe('forbidden');
    const list = await services.appeals.listAppeals(actorFor(other), { group: w.group.slug });
    expect(list.open[0]).toMatchObject({
      assignedToMe: true,
      canDecide: true,
      statement: 'It was criticism, not unkindness.',
    });
    await services.appeals.decideAppeal(actorFor(other), {
      appealId: String(appeal?._id),
      outcome: 'overturned',
      note: 'Critical, not unkind: restored.',
    });
    expect((await Post.findById(post.id).lean())?.status).toBe('approved');
    const after = await services.appeals.listMyDecisions(actorFor(w.author));
    expect(after[0]?.appeal).toEqual({
      status: 'closed',
      outcome: 'overturned',
      outcomeNote: 'Critical, not unkind: restored.',
    });
    const again = await rejects(
      services.appeals.decideAppeal(actorFor(other), {
        appealId: String(appeal?._id),
        outcome: 'upheld',
      }),
    );
    expect(again.code).toBe('conflict');
    const actions = (await AuditEvent.find({ group: w.group._id }).sort({ seq: 1 }).lean()).map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'post.hidden',
        'appeal.created',
        'appeal.overturned',
        'post.restored',
      ]),
    );
  });

  it('a rejection overturned goes back to the queue; an upheld one stays; a lone moderator gets the appeal', async () => {
    const w = await world(1);
    const mod = w.mods[0]!;
    const rejected = async (body: string) => {
      const stored = await services.posts.submitPost(actorFor(w.author), {
        group: w.group.slug,
        body,
        idempotencyKey: key(),
        acknowledgedFindings: true,
      });
      if (stored.status !== 'stored') throw new Error('not stored');
      await services.reviews.rejectPost(actorFor(mod), {
        postId: stored.post.id,
        version: stored.post.version,
        ruleId: 'r-health',
        note: 'Please ask your care team.',
      });
      return stored.post.id;
    };
    const first = await rejected('Which dose should I take?');
    const second = await rejected('Is this rash normal?');
    const decisions = await services.appeals.listMyDecisions(actorFor(w.author));
    expect(decisions.map((d) => [d.action, d.ruleTitle, d.note])).toEqual([
      ['post.rejected', 'No personal health questions', 'Please ask your care team.'],
      ['post.rejected', 'No personal health questions', 'Please ask your care team.'],
    ]);
    for (const d of decisions) {
      await services.appeals.appealDecision(actorFor(w.author), { decisionId: d.id });
    }
    const appeals = await Appeal.find({ group: w.group._id }).lean();
    expect(appeals.map((a) => String(a.assignedTo))).toEqual([String(mod._id), String(mod._id)]);
    const appealFor = (postId: string) => appeals.find((a) => a.targetId === postId)!;
    await services.appeals.decideAppeal(actorFor(mod), {
      appealId: String(appealFor(first)._id),
      outcome: 'overturned',
    });
    await services.appeals.decideAppeal(actorFor(mod), {
      appealId: String(appealFor(second)._id),
      outcome: 'upheld',
      note: 'The rule stands.',
    });
    expect((await Post.findById(first).lean())?.status).toBe('pending');
    expect((await Post.findById(second).lean())?.status).toBe('rejected');
    const queue = await services.reviews.listQueue(actorFor(mod), { group: w.group.slug });
    expect(queue.items.map((i) => i.id)).toEqual([first]);
  });

  it('sanctions are decisions too: an overturned mute is lifted at once', async () => {
    const w = await world(2);
    await services.sanctions.sanctionMember(actorFor(w.mods[0]!), w.group.slug, {
      userId: String(w.reader._id),
      kind: 'mute',
      duration: '7d',
      ruleId: 'r-profanity',
    });
    const [decision] = await services.appeals.listMyDecisions(actorFor(w.reader));
    expect(decision).toMatchObject({ action: 'member.muted', ruleTitle: 'No profanity' });
    expect(decision?.untilText).toMatch(/March/);
    await services.appeals.appealDecision(actorFor(w.reader), { decisionId: decision!.id });
    const appeal = await Appeal.findOne({ appellant: w.reader._id }).lean();
    expect(String(appeal?.assignedTo)).toBe(String(w.mods[1]!._id));
    await services.appeals.decideAppeal(actorFor(w.mods[1]!), {
      appealId: String(appeal?._id),
      outcome: 'overturned',
    });
    const membership = await Membership.findOne({ user: w.reader._id, group: w.group._id }).lean();
    expect(membership?.mutedUntil).toBeNull();
  });
});

describe('removal', () => {
  it('cites a rule, locks the member out, and an overturned appeal lets them back in', async () => {
    const w = await world(2);
    const reader = actorFor(w.reader);
    await services.sanctions.removeMember(actorFor(w.mods[0]!), w.group.slug, {
      userId: String(w.reader._id),
      ruleId: 'r-kind',
      note: 'Repeated unkindness.',
    });
    const locked = await rejects(services.posts.listConversation(reader, { group: w.group.slug }));
    expect(locked.code).toBe('not_found');
    // Still sees the decision (outside the group) and can appeal it.
    const [decision] = await services.appeals.listMyDecisions(reader);
    expect(decision).toMatchObject({
      action: 'membership.removed',
      ruleTitle: 'Be kind',
      note: 'Repeated unkindness.',
    });
    await services.appeals.appealDecision(reader, { decisionId: decision!.id });
    const appeal = await Appeal.findOne({ appellant: w.reader._id }).lean();
    await services.appeals.decideAppeal(actorFor(w.mods[1]!), {
      appealId: String(appeal?._id),
      outcome: 'overturned',
    });
    const page = await services.posts.listConversation(reader, { group: w.group.slug });
    expect(page.group.slug).toBe(w.group.slug);
  });
});

describe('audit log browsing', () => {
  it('moderators see their group only; administrators see all; filters by actor, action and period', async () => {
    const a = await world(2);
    const b = await world(1);
    const admin = await createUser({ siteRole: 'admin' });
    const postA = await publish(a, 'first');
    deps.clock.set(new Date('2026-03-03T11:00:00Z'));
    await services.moderation.hidePost(actorFor(a.mods[1]!), {
      postId: postA.id,
      version: postA.version,
      ruleId: 'r-kind',
    });
    deps.clock.set(new Date('2026-03-04T11:00:00Z'));
    await publish(b, 'other group');

    const modView = await services.auditLog.browseAudit(actorFor(a.mods[0]!), {
      scopeGroup: a.group.slug,
    });
    expect(modView.rows.map((r) => r.action)).toEqual(['post.hidden', 'post.approved']);
    expect(modView.rows.every((r) => r.groupName === a.group.name)).toBe(true);

    // A moderator of group A asking for group B: 404, as if it did not exist.
    const other = await rejects(
      services.auditLog.browseAudit(actorFor(a.mods[0]!), { scopeGroup: b.group.slug }),
    );
    expect(other.code).toBe('not_found');
    const member = await rejects(
      services.auditLog.browseAudit(actorFor(a.author), { scopeGroup: a.group.slug }),
    );
    expect(member.code).toBe('not_found');

    const byActor = await services.auditLog.browseAudit(actorFor(a.mods[0]!), {
      scopeGroup: a.group.slug,
      actor: String(a.mods[1]!._id),
    });
    expect(byActor.rows.map((r) => [r.action, r.ruleTitle])).toEqual([['post.hidden', 'Be kind']]);
    const byAction = await services.auditLog.browseAudit(actorFor(a.mods[0]!), {
      scopeGroup: a.group.slug,
      action: 'post.approved',
    });
    expect(byAction.rows).toHaveLength(1);
    const byPeriod = await services.auditLog.browseAudit(actorFor(a.mods[0]!), {
      scopeGroup: a.group.slug,
      from: '2026-03-03',
      to: '2026-03-03',
    });
    expect(byPeriod.rows.map((r) => r.action)).toEqual(['post.hidden']);

    const adminAll = await services.auditLog.browseAudit(actorFor(admin), {
      from: '2026-03-02',
      to: '2026-03-04',
    });
    const targets = new Set(adminAll.rows.map((r) => r.targetId));
    expect(targets.has(postA.id)).toBe(true);
    expect(adminAll.rows.some((r) => r.action === 'post.approved' && r.targetId !== postA.id)).toBe(
      true,
    );
    const adminB = await services.auditLog.browseAudit(actorFor(admin), { group: b.group.slug });
    expect(adminB.rows.map((r) => r.action)).toEqual(['post.approved']);
    // Never a post body in the log.
    expect(JSON.stringify(adminAll.rows)).not.toContain('first');
  });
});
