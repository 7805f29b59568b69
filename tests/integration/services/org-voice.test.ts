import mongoose from 'mongoose';
import { AuditEvent, Membership, Post, User } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../../helpers/factories';

/** Staff speak for the organisation: badge, screening for patient-implying words, override. */
const deps = testDeps();
const services = createServices(deps);
let counter = 0;
const key = () => `org-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('org-voice'));
  await Promise.all([Post.init(), Membership.init(), AuditEvent.init()]);
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
  const group = await createGroup({ privacyStatement: 'We never discuss anyone’s care here.' });
  const [admin, staff, mod, member] = await Promise.all([
    createUser({ siteRole: 'admin' }),
    createUser(),
    createUser(),
    createUser(),
  ]);
  await addMember(staff, group);
  await addMember(mod, group, ['member', 'moderator']);
  await addMember(member, group);
  await services.orgVoice.setStaff(actorFor(admin), { userId: String(staff._id), isStaff: true });
  return { group, admin, staff, mod, member };
}

const send = (
  who: Parameters<typeof actorFor>[0],
  group: string,
  body: string,
  overrideReason?: string,
) =>
  services.orgVoice.submitAsOrganisation(actorFor(who), {
    group,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: false,
    overrideReason,
  });

it('administrators mark staff (audited); nobody else can, and non-staff cannot speak for it', async () => {
  const w = await world();
  expect((await User.findById(w.staff._id).lean())?.isStaff).toBe(true);
  const audit = await AuditEvent.findOne({
    action: 'user.staff_granted',
    targetId: String(w.staff._id),
  }).lean();
  expect(audit?.actor?.toString()).toBe(String(w.admin._id));
  const notAdmin = await rejects(
    services.orgVoice.setStaff(actorFor(w.mod), { userId: String(w.mod._id), isStaff: true }),
  );
  expect(notAdmin.status).toBe(404);
  const notStaff = await rejects(send(w.member, w.group.slug, 'Hello from us'));
  expect(notStaff.status).toBe(403);
});

it('a staff reply carries the Organisation badge once published', async () => {
  const w = await world();
  const result = await send(w.staff, w.group.slug, 'Welcome, everyone. We are glad you are here.');
  if (result.status !== 'stored') throw new Error('not stored');
  await services.reviews.approvePost(actorFor(w.mod), { postId: result.post.id, version: 1 });
  const page = await services.posts.listConversation(actorFor(w.member), { group: w.group.slug });
  const shown = page.threads.find((t) => t.post.id === result.post.id)?.post;
  expect(shown?.organisation).toBe(true);
  expect(page.threads.every((t) => t.post.id === result.post.id || !t.post.organisation)).toBe(
    true,
  );
});

it('a patient-implying phrase blocks sending until edited or overridden with an audited reason', async () => {
  const w = await world();
  const text = 'We hope Your  Treatment went well when you were here.';
  const blocked = await send(w.staff, w.group.slug, text);
  expect(blocked).toEqual({
    status: 'blocked',
    phrases: expect.arrayContaining(['your treatment', 'when you were here']),
  });
  expect(await Post.countDocuments({ author: w.staff._id })).toBe(0);

  const edited = await send(w.staff, w.group.slug, 'We hope things are going well for you.');
  expect(edited.status).toBe('stored');

  const overridden = await send(
    w.staff,
    w.group.slug,
    text,
    'Quoting the member’s own public words back',
  );
  if (overridden.status !== 'stored') throw new Error('not stored');
  const event = await AuditEvent.findOne({
    action: 'post.organisation_phrases_overridden',
    targetId: overridden.post.id,
  }).lean();
  expect(event?.reason).toBe('Quoting the member’s own public words back');
  expect(event?.meta).toMatchObject({ phrases: expect.arrayContaining(['your treatment']) });
  expect(JSON.stringify(event)).not.toContain('went well');
});

it('staff get the group’s privacy statement to insert; others do not', async () => {
  const w = await world();
  expect(await services.orgVoice.privacyStatement(actorFor(w.staff), { group: w.group.slug })).toBe(
    'We never discuss anyone’s care here.',
  );
  const outsider = await createUser();
  await User.updateOne({ _id: outsider._id }, { isStaff: true });
  const e = await rejects(
    services.orgVoice.privacyStatement(actorFor(outsider), { group: w.group.slug }),
  );
  expect(e.status).toBe(404);
});
