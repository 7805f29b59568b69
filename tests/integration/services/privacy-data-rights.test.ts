import mongoose, { Types } from 'mongoose';
import {
  AuditEvent,
  Banner,
  BannerDismissal,
  ExportJob,
  Membership,
  Notification,
  PmThread,
  Post,
  PrivateMessage,
  Reaction,
  Report,
  User,
} from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { recordAudit, verifyAuditChain } from '../../../server/services/audit';
import { REMOVED_POST_TEXT } from '../../../server/services/erasure';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';

/** Export (everything of mine, nothing of others'), erasure and memorial accounts. */
const deps = testDeps();
const services = createServices(deps);
let n = 0;
const key = () => `k-${Date.now()}-${(n += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('privacy-data-rights'));
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

function pair(x: Types.ObjectId, y: Types.ObjectId): [Types.ObjectId, Types.ObjectId] {
  return String(x) < String(y) ? [x, y] : [y, x];
}

/** A seeded world: the member's own data, and other people's data that must stay out. */
async function seeded() {
  const p = await createGroupWithPeople();
  const { member, moderator, group } = p;
  const other = await createUser();
  const third = await createUser();
  await addMember(other, group);
  await addMember(third, group);
  const me = actorFor(member);
  const mod = actorFor(moderator);
  const submit = async (actor: ReturnType<typeof actorFor>, body: string, parentId?: string) => {
    const r = await services.posts.submitPost(actor, {
      group: group.slug,
      body,
      idempotencyKey: key(),
      acknowledgedFindings: true,
      parentId,
    });
    if (r.status !== 'stored') throw new Error('not stored');
    return r.post;
  };
  const mine = await submit(me, 'MY-OWN-POST text');
  await services.reviews.approvePost(mod, { postId: mine.id, version: mine.version });
  const rejected = await submit(me, 'MY-REJECTED-POST text');
  await services.reviews.rejectPost(mod, {
    postId: rejected.id,
    version: rejected.version,
    ruleId: 'r-kind',
    note: 'NOTE-TO-ME',
  });
  const theirs = await submit(actorFor(other), 'OTHER-PERSON-POST text');
  await services.reviews.approvePost(mod, { postId: theirs.id, version: theirs.version });
  await services.posts.reactToPost(me, { postId: theirs.id, kind: 'hug' });
  const myReply = await submit(me, 'MY-REPLY text', theirs.id);
  await services.reviews.approvePost(mod, { postId: myReply.id, version: myReply.version });

  const [a, b] = pair(member._id, other._id);
  const thread = await PmThread.create({
    participants: [a, b],
    pairKey: `${String(a)}:${String(b)}`,
    requestedBy: other._id,
    group: group._id,
    status: 'accepted',
    createdAt: deps.clock.now(),
    reports: [{ by: member._id, group: group._id, at: deps.clock.now(), reason: 'MY-REPORT' }],
  });
  await PrivateMessage.create([
    { thread: thread._id, sender: other._id, body: 'PM-FROM-OTHER', sentAt: deps.clock.now() },
    { thread: thread._id, sender: member._id, body: 'PM-FROM-ME', sentAt: deps.clock.now() },
  ]);
  const [c, d] = pair(other._id, third._id);
  const elsewhere = await PmThread.create({
    participants: [c, d],
    pairKey: `${String(c)}:${String(d)}`,
    requestedBy: other._id,
    group: group._id,
    status: 'accepted',
    createdAt: deps.clock.now(),
  });
  await PrivateMessage.create({
    thread: elsewhere._id,
    sender: third._id,
    body: 'PM-NOT-MINE',
    sentAt: deps.clock.now(),
  });
  await recordAudit(deps, {
    key: `test:${String(member._id)}:muted`,
    action: 'membership.muted',
    actor: moderator._id,
    group: group._id,
    targetType: 'user',
    targetId: member._id,
    reason: 'DECISION-ABOUT-ME',
  });
  // Reports of posts: mine (exported) and someone else's of my post (never exported to me).
  await services.reports.reportPost(me, {
    postId: theirs.id,
    ruleId: 'r-kind',
    note: 'MY-POST-REPORT',
  });
  await services.reports.reportPost(actorFor(third), {
    postId: mine.id,
    ruleId: 'r-kind',
    note: 'SOMEONE-ELSES-REPORT',
  });
  // An appeal against the rejection of my post.
  const rejection = await AuditEvent.findOne({ action: 'post.rejected', targetId: rejected.id });
  await services.appeals.appealDecision(me, {
    decisionId: String(rejection?._id),
    statement: 'MY-APPEAL',
  });
  // A notice I put away (banners come back when they change, so the dismissal is my data).
  const notice = await Banner.create({
    scope: 'site',
    kind: 'info',
    text: 'SITE-NOTICE-I-PUT-AWAY',
    startsAt: deps.clock.now(),
    createdBy: moderator._id,
  });
  await BannerDismissal.create({
    user: member._id,
    banner: notice._id,
    revision: 1,
    at: deps.clock.now(),
  });
  return { ...p, other, third, me, mine, theirs, myReply, rejected };
}

describe('export', () => {
  it('contains everything of mine and nothing of other people’s private data', async () => {
    const w = await seeded();
    const { view, done } = await services.dataExport.requestExport(w.me);
    expect(['queued', 'running']).toContain(view.status);
    await done;
    const ready = await services.dataExport.latestExport(w.me);
    expect(ready?.status).toBe('ready');
    expect(ready?.progress).toBe(100);
    const json = await services.dataExport.downloadExport(w.me, { id: view.id, format: 'json' });
    const data = JSON.parse(json) as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(
      expect.arrayContaining([
        'profile',
        'memberships',
        'consents',
        'postsAndReplies',
        'reactions',
        'noticesPutAway',
        'notifications',
        'reportsYouMade',
        'appealsYouMade',
        'decisionsAboutYou',
        'privateMessages',
      ]),
    );
    const profile = data.profile as { email: string; displayName: string };
    expect(profile.email).toBe(w.member.email);
    expect(profile.displayName).toBe(w.member.displayName);
    for (const mark of [
      'MY-OWN-POST',
      'MY-REJECTED-POST',
      'NOTE-TO-ME',
      'MY-REPLY',
      'MY-REPORT',
      'MY-POST-REPORT',
      'MY-APPEAL',
      'DECISION-ABOUT-ME',
      'PM-FROM-OTHER', // my own correspondence
      'PM-FROM-ME',
      w.other.displayName, // the other party of my conversation, by display name
    ]) {
      expect(json).toContain(mark);
    }
    expect((data.memberships as unknown[]).length).toBe(1);
    expect((data.consents as unknown[]).length).toBe(2);
    expect((data.postsAndReplies as unknown[]).length).toBe(3);
    expect((data.reactions as unknown[]).length).toBe(1);
    expect(data.noticesPutAway).toEqual([
      expect.objectContaining({ notice: 'SITE-NOTICE-I-PUT-AWAY', group: null, revision: 1 }),
    ]);
    expect((data.notifications as unknown[]).length).toBeGreaterThanOrEqual(3);
    for (const secret of [
      w.other.email,
      w.third.email,
      w.moderator.email,
      'OTHER-PERSON-POST',
      'PM-NOT-MINE',
      'SOMEONE-ELSES-REPORT',
      w.third.displayName,
      w.moderator.displayName,
    ]) {
      expect(json).not.toContain(secret);
    }
    const html = await services.dataExport.downloadExport(w.me, { id: view.id, format: 'html' });
    expect(html).toContain('MY-OWN-POST');
    expect(html).not.toContain(w.other.email);
    expect(html).not.toMatch(/<script|https?:\/\//i);
    // Only its owner can fetch it.
    const err = await rejects(
      services.dataExport.downloadExport(actorFor(w.other), { id: view.id, format: 'json' }),
    );
    expect(err.code).toBe('not_found');
  });

  it('is deleted after the keeping period; unfinished jobs resume at start-up', async () => {
    const w = await seeded();
    const { view, done } = await services.dataExport.requestExport(w.me);
    await done;
    deps.clock.advance(8 * 86_400_000);
    expect(await services.dataExport.latestExport(w.me)).toBeNull();
    const maintenance = await services.dataExport.runExportMaintenance();
    expect(maintenance.expired).toBeGreaterThanOrEqual(1);
    expect(await ExportJob.exists({ _id: new Types.ObjectId(view.id) })).toBeNull();

    // A job left "running" by a stopped process is picked up again.
    const stuck = await ExportJob.create({
      user: w.other._id,
      status: 'running',
      progress: 40,
      requestedAt: deps.clock.now(),
    });
    const resumed = await services.dataExport.runExportMaintenance();
    expect(resumed.resumed).toBe(1);
    const after = await ExportJob.findById(stuck._id).lean();
    expect(after?.status).toBe('ready');
    expect(after?.json).toContain('OTHER-PERSON-POST');
  });
});

describe('erasure', () => {
  it('with posts kept: anonymised as a former member; name and e-mail gone; no sign-in', async () => {
    const w = await seeded();
    const revoked: string[] = [];
    const off = deps.events.on('user.sessions_revoked', ({ userId }) => revoked.push(userId));
    const wrong = await rejects(
      services.erasure.deleteOwnAccount(w.me, { password: 'not my password', posts: 'keep' }),
    );
    expect(wrong.code).toBe('validation_failed');
    await services.erasure.deleteOwnAccount(w.me, { password: TEST_PASSWORD, posts: 'keep' });
    off();
    expect(revoked).toEqual([String(w.member._id)]);
    const user = await User.findById(w.member._id).lean();
    expect(user?.status).toBe('erased');
    expect(user?.email).not.toBe(w.member.email);
    expect(user?.displayName).not.toBe(w.member.displayName);
    expect(await services.accounts.authenticate(w.member.email, TEST_PASSWORD)).toBeNull();
    const kept = await Post.findById(w.mine.id).lean();
    expect(kept?.body).toBe('MY-OWN-POST text');
    expect(kept?.status).toBe('approved');
    expect(await Post.exists({ _id: new Types.ObjectId(w.rejected.id) })).toBeNull();
    const page = await services.posts.listConversation(actorFor(w.other), { group: w.group.slug });
    const text = JSON.stringify(page);
    expect(text).toContain('MY-OWN-POST');
    expect(text).not.toContain(w.member.displayName);
    expect(await Reaction.countDocuments({ user: w.member._id })).toBe(0);
    expect(await Notification.countDocuments({ user: w.member._id })).toBe(0);
    expect(await PrivateMessage.countDocuments({ sender: w.member._id })).toBe(0);
    expect(await Report.countDocuments({ reporter: w.member._id })).toBe(0);
    expect((await Membership.findOne({ user: w.member._id }).lean())?.status).toBe('left');
    // Audit: the pseudonymous id only, no name or address anywhere; the chain still verifies.
    const events = await AuditEvent.find({ targetId: String(w.member._id) }).lean();
    expect(events.map((e) => e.action)).toContain('account.erased');
    const all = JSON.stringify(await AuditEvent.find({}).lean());
    expect(all).not.toContain(w.member.email);
    expect(all).not.toContain(w.member.displayName);
    expect(await verifyAuditChain()).toBeNull();
  });

  it('with posts removed: the words are gone from the group', async () => {
    const w = await seeded();
    await services.erasure.deleteOwnAccount(w.me, { password: TEST_PASSWORD, posts: 'remove' });
    const removed = await Post.findById(w.mine.id).lean();
    expect(removed?.body).toBe(REMOVED_POST_TEXT);
    expect(removed?.status).toBe('hidden');
    const page = await services.posts.listConversation(actorFor(w.other), { group: w.group.slug });
    expect(JSON.stringify(page)).not.toContain('MY-OWN-POST');
    expect(JSON.stringify(page)).not.toContain('MY-REPLY');
    expect(JSON.stringify(page)).toContain('OTHER-PERSON-POST');
  });

  it('administrators erase on request (logged); members cannot', async () => {
    const w = await seeded();
    const admin = await createUser({ siteRole: 'admin' });
    const denied = await rejects(
      services.erasure.adminEraseAccount(actorFor(w.other), {
        userId: String(w.member._id),
        posts: 'keep',
        reason: 'Letter of 1 March',
      }),
    );
    expect(denied.code).toBe('not_found');
    await services.erasure.adminEraseAccount(actorFor(admin), {
      userId: String(w.member._id),
      posts: 'keep',
      reason: 'Letter of 1 March',
    });
    const event = await AuditEvent.findOne({
      targetId: String(w.member._id),
      action: 'account.erased_by_admin',
    }).lean();
    expect(String(event?.actor)).toBe(String(admin._id));
    expect(event?.reason).toBe('Letter of 1 March');
  });

  it('memorial: no sign-in, no notifications, posts stay under the name', async () => {
    const w = await seeded();
    const admin = await createUser({ siteRole: 'admin' });
    await services.erasure.memorialiseAccount(actorFor(admin), {
      userId: String(w.member._id),
      reason: 'Family request',
    });
    expect(await services.accounts.authenticate(w.member.email, TEST_PASSWORD)).toBeNull();
    expect(await Notification.countDocuments({ user: w.member._id })).toBe(0);
    const reply = await services.posts.submitPost(actorFor(w.other), {
      group: w.group.slug,
      body: 'In memory',
      idempotencyKey: key(),
      acknowledgedFindings: true,
      parentId: w.mine.id,
    });
    if (reply.status !== 'stored') throw new Error('not stored');
    await services.reviews.approvePost(actorFor(w.moderator), {
      postId: reply.post.id,
      version: reply.post.version,
    });
    expect(await Notification.countDocuments({ user: w.member._id })).toBe(0);
    const page = await services.posts.listConversation(actorFor(w.other), { group: w.group.slug });
    expect(JSON.stringify(page)).toContain(w.member.displayName);
    const event = await AuditEvent.findOne({ action: 'account.memorialised' }).lean();
    expect(event?.targetId).toBe(String(w.member._id));
  });
});
