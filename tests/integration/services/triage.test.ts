import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { AuditEvent, ComplaintFlag, Membership, Post, ThreatCase, User } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../../helpers/factories';

/** Queue triage: approve with the organisation's reply, escalate a threat, flag a complaint. */
const deps = testDeps();
const services = createServices(deps);
let counter = 0;
const key = () => `triage-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('triage'));
  await Promise.all([Post.init(), Membership.init(), AuditEvent.init(), ThreatCase.init()]);
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

async function world() {
  const group = await createGroup({ privacyStatement: 'We cannot discuss anyone’s care here.' });
  const [mod, author, reader, admin] = await Promise.all([
    createUser(),
    createUser(),
    createUser(),
    createUser({ siteRole: 'admin' }),
  ]);
  await addMember(mod, group, ['member', 'moderator']);
  await addMember(author, group);
  await addMember(reader, group);
  return { group, mod: actorFor(mod), author: actorFor(author), reader: actorFor(reader), admin };
}

async function submit(w: Awaited<ReturnType<typeof world>>, body: string) {
  const r = await services.posts.submitPost(w.author, {
    group: w.group.slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: true,
  });
  if (r.status !== 'stored') throw new Error('not stored');
  return r.post;
}

it('approve and attach the organisation’s reply: members see the statement under the post', async () => {
  const w = await world();
  const post = await submit(w, 'Did anyone else have a long wait at the clinic?');
  await services.triage.approveWithOrganisationReply(w.mod, { postId: post.id, version: 1 });
  const page = await services.posts.listConversation(w.reader, { group: w.group.slug });
  const shown = page.threads.find((t) => t.post.id === post.id)?.post;
  expect(shown?.orgReply).toBe('We cannot discuss anyone’s care here.');
  // A member cannot do this; a stale version is refused without attaching anything.
  const other = await submit(w, 'Second post');
  expect(
    (
      await rejects(
        services.triage.approveWithOrganisationReply(w.reader, { postId: other.id, version: 1 }),
      )
    ).status,
  ).toBe(404);
  expect(
    (
      await rejects(
        services.triage.approveWithOrganisationReply(w.mod, { postId: other.id, version: 7 }),
      )
    ).status,
  ).toBe(409);
  expect((await Post.findById(other.id).lean())?.orgReply ?? null).toBeNull();
});

it('escalating a threat keeps hashed evidence that survives edits, withdrawal and erasure', async () => {
  const w = await world();
  const post = await submit(w, 'First words');
  await services.posts.editPost(w.author, {
    postId: post.id,
    body: 'Second words',
    version: 1,
    acknowledgedFindings: true,
  });
  const { caseId, sha256 } = await services.triage.escalateThreat(w.mod, { postId: post.id });
  // Escalating again returns the same case: one snapshot per post.
  expect((await services.triage.escalateThreat(w.mod, { postId: post.id })).caseId).toBe(caseId);

  const audit = await AuditEvent.findOne({
    action: 'post.threat_escalated',
    targetId: caseId,
  }).lean();
  expect(audit?.meta).toMatchObject({ sha256 });
  expect(JSON.stringify(audit)).not.toMatch(/First words|Second words/);

  // The author withdraws and the account is erased: the evidence does not change.
  const current = await Post.findById(post.id).lean();
  await services.posts.withdrawPost(w.author, { postId: post.id, version: current?.version ?? 2 });
  await User.updateOne(
    { _id: w.author.userId },
    { status: 'erased', displayName: 'Former member' },
  );
  await Post.updateOne({ _id: post.id }, { body: '' });

  const admin = actorFor(w.admin);
  const hardCopy = await services.triage.getThreatCase(admin, { caseId });
  expect(hardCopy.intact).toBe(true);
  expect(hardCopy.sha256).toBe(sha256);
  expect(hardCopy.evidence).toMatchObject({
    asSubmitted: 'First words',
    authorPseudonymousId: String(w.author.userId),
    escalatedBy: String(w.mod.userId),
    groupId: String(w.group._id),
  });
  const stored = await ThreatCase.findById(caseId).lean();
  expect(
    createHash('sha256')
      .update(stored?.snapshot ?? '')
      .digest('hex'),
  ).toBe(sha256);
  expect(JSON.stringify(hardCopy.evidence)).toContain('Second words');

  // Administrators only; the police contact is recorded and audited.
  expect((await rejects(services.triage.getThreatCase(w.mod, { caseId }))).status).toBe(404);
  await services.triage.recordPoliceContact(admin, {
    caseId,
    agency: 'Garda Síochána, Store Street',
    reference: 'PUL-2026-0042',
    at: new Date('2026-03-02T11:00:00Z'),
  });
  const after = await services.triage.getThreatCase(admin, { caseId });
  expect(after.contacts).toEqual([
    expect.objectContaining({ agency: 'Garda Síochána, Store Street', reference: 'PUL-2026-0042' }),
  ]);
  expect(after.sha256).toBe(sha256);
});

it('flag as a potential complaint or claim: notes and a status, for moderators only', async () => {
  const w = await world();
  const post = await submit(w, 'I am thinking of making a formal complaint about my care');
  const { flagId } = await services.triage.flagComplaint(w.mod, {
    postId: post.id,
    note: 'Mentions a formal complaint',
  });
  await services.triage.flagComplaint(w.mod, {
    postId: post.id,
    note: 'Passed to the complaints officer',
  });
  expect(await ComplaintFlag.countDocuments({ post: post.id })).toBe(1);
  await services.triage.updateComplaint(w.mod, w.group.slug, {
    flagId,
    status: 'in_progress',
    note: '',
  });
  const list = await services.triage.listComplaints(w.mod, { group: w.group.slug });
  expect(list.flags).toEqual([
    expect.objectContaining({
      postId: post.id,
      status: 'in_progress',
      notes: [
        expect.objectContaining({ text: 'Mentions a formal complaint' }),
        expect.objectContaining({ text: 'Passed to the complaints officer' }),
      ],
    }),
  ]);
  expect(
    (await rejects(services.triage.listComplaints(w.reader, { group: w.group.slug }))).status,
  ).toBe(404);
});
