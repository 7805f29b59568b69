import request from 'supertest';
import { Post, RotaSlot, User, type UserDoc } from '../../../models';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroup,
  createUser,
} from '../../helpers/factories';
import {
  enableTotp,
  signIn,
  startTestApp,
  type SignedInAgent,
  type TestApp,
} from '../../helpers/test-app';

/** The rota page as moderators use it, and what members read beside the composer. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ name: 'http-coverage' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => t.deps.clock.set(new Date('2026-03-06T18:30:00Z'))); // Friday 18:30 Dublin

async function agentFor(user: UserDoc, moderator = false): Promise<SignedInAgent> {
  const secret = moderator ? await enableTotp(user._id) : undefined;
  return signIn(
    t.baseUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
}

it('a moderator adds a slot on the rota page; members then read that someone is on duty', async () => {
  const group = await createGroup();
  const mod = await createUser();
  const member = await createUser();
  await addMember(mod, group, ['member', 'moderator']);
  await addMember(member, group);
  const modAgent = await agentFor(mod, true);
  const memberAgent = await agentFor(member);

  const before = await memberAgent.get(`/g/${group.slug}/conversation`).expect(200);
  expect(before.text).toContain('No moderator is on duty right now.');

  const page = await modAgent.get(`/g/${group.slug}/rota`).expect(200);
  expect(page.text).toContain('Rota: ');
  const added = await modAgent
    .post(`/g/${group.slug}/rota`)
    .type('form')
    .send({ _csrf: modAgent.csrf(), weekday: '5', start: '18:00', end: '22:00', takeIt: 'true' });
  expect(added.status).toBe(303);
  expect(await RotaSlot.countDocuments({ group: group._id, moderator: mod._id })).toBe(1);
  const after = await modAgent.get(`/g/${group.slug}/rota`).expect(200);
  expect(after.text).toContain('Friday 18:00–22:00');

  const now = await memberAgent.get(`/g/${group.slug}/conversation`).expect(200);
  expect(now.text).toContain('A moderator is on duty now.');

  // The rota is for moderators only: a member gets the same 404 as a stranger.
  await memberAgent.get(`/g/${group.slug}/rota`).expect(404);
});

it('staff write for the organisation: insert the privacy statement, blocked words, then send', async () => {
  const group = await createGroup({ privacyStatement: 'We never discuss anyone’s care here.' });
  const staff = await createUser();
  await addMember(staff, group);
  await User.updateOne({ _id: staff._id }, { isStaff: true });
  const agent = await agentFor(staff);
  const conversation = await agent.get(`/g/${group.slug}/conversation`).expect(200);
  expect(conversation.text).toContain(`/g/${group.slug}/organisation-reply`);

  await agent.get(`/g/${group.slug}/organisation-reply`).expect(200);
  const inserted = await agent
    .post(`/g/${group.slug}/organisation-reply`)
    .type('form')
    .send({ _csrf: agent.csrf(), body: 'Thank you for asking.', action: 'insert' })
    .expect(200);
  expect(inserted.text).toContain('Thank you for asking.\n\nWe never discuss anyone’s care here.');

  const blocked = await agent
    .post(`/g/${group.slug}/organisation-reply`)
    .type('form')
    .send({
      _csrf: agent.csrf(),
      body: 'How was your visit?',
      idempotencyKey: 'org-key-0001',
      action: 'send',
    })
    .expect(200);
  expect(blocked.text).toContain('“your visit”');
  expect(await Post.countDocuments({ author: staff._id })).toBe(0);

  const sent = await agent.post(`/g/${group.slug}/organisation-reply`).type('form').send({
    _csrf: agent.csrf(),
    body: 'Welcome to the group.',
    idempotencyKey: 'org-key-0002',
    action: 'send',
  });
  expect(sent.status).toBe(303);
  expect(await Post.countDocuments({ author: staff._id, asOrganisation: true })).toBe(1);

  // A member who is not staff cannot open the page.
  const member = await createUser();
  await addMember(member, group);
  await (await agentFor(member)).get(`/g/${group.slug}/organisation-reply`).expect(403);
});

it('queue triage: escalate as threat from the queue; the admin’s printable copy shows the fingerprint', async () => {
  const group = await createGroup();
  const mod = await createUser();
  const author = await createUser();
  const admin = await createUser({ siteRole: 'admin' });
  await addMember(mod, group, ['member', 'moderator']);
  await addMember(author, group);
  const post = await t.services.posts.submitPost(actorFor(author), {
    group: group.slug,
    body: 'Words to keep as evidence',
    idempotencyKey: 'triage-key-0001',
    acknowledgedFindings: true,
  });
  if (post.status !== 'stored') throw new Error('not stored');
  const modAgent = await agentFor(mod, true);
  const queue = await modAgent.get(`/g/${group.slug}/queue`).expect(200);
  expect(queue.text).toContain('Escalate as threat');
  expect(queue.text).toContain('Approve and attach the organisation’s reply');
  const escalated = await modAgent
    .post(`/g/${group.slug}/queue/${post.post.id}/escalate-threat`)
    .type('form')
    .send({ _csrf: modAgent.csrf() });
  expect(escalated.status).toBe(303);

  const adminAgent = await agentFor(admin, true);
  const list = await adminAgent.get('/admin/threats').expect(200);
  const caseId = /\/admin\/threats\/([0-9a-f]{24})/.exec(list.text)?.[1];
  expect(caseId).toBeDefined();
  const copy = await adminAgent.get(`/admin/threats/${caseId}`).expect(200);
  expect(copy.text).toContain('Words to keep as evidence');
  expect(copy.text).toContain('The record matches its SHA-256 fingerprint.');
  expect(copy.text).toMatch(/<code>[0-9a-f]{64}<\/code>/);
  // Moderators cannot open the evidence.
  const denied = await modAgent.get(`/admin/threats/${caseId}`);
  expect([403, 404]).toContain(denied.status);
});

it('the public page says how to complain: the group’s own process, or a plain default', async () => {
  const own = await createGroup({ complaintsProcess: 'Write to the patient liaison office.' });
  const plain = await createGroup();
  const visitor = request(t.baseUrl);
  const a = await visitor.get(`/g/${own.slug}`).expect(200);
  expect(a.text).toContain('If you are unhappy with something');
  expect(a.text).toContain('Write to the patient liaison office.');
  const b = await visitor.get(`/g/${plain.slug}`).expect(200);
  expect(b.text).toContain('making one never affects your place in the group');
});
