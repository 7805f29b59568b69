import mongoose from 'mongoose';
import { AuditEvent, Group, Notification, PrivateMessage } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroupWithPeople, createUser } from '../../helpers/factories';

/** Private messages: off by default, only after acceptance, blockable, reported reads logged. */
const deps = testDeps();
const services = createServices(deps);
const pm = services.privateMessages;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('private-messages'));
});
afterAll(async () => {
  await mongoose.disconnect();
});

async function rejects(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

async function world(enabled = true) {
  const p = await createGroupWithPeople();
  const friend = await createUser();
  await addMember(friend, p.group);
  const outsider = await createUser();
  if (enabled) {
    await pm.setGroupPrivateMessages(actorFor(p.moderator), {
      group: p.group.slug,
      enabled: true,
    });
  }
  return { ...p, friend, outsider, a: actorFor(p.member), b: actorFor(friend) };
}

describe('private messages', () => {
  it('are refused while the group has them off (the default), and with non-members', async () => {
    const w = await world(false);
    expect((await Group.findById(w.group._id).lean())?.settings?.privateMessages).toBe(false);
    expect(
      (await rejects(pm.requestConversation(w.a, { userId: String(w.friend._id) }))).code,
    ).toBe('not_found');
    await pm.setGroupPrivateMessages(actorFor(w.moderator), { group: w.group.slug, enabled: true });
    // Someone outside every shared group answers exactly like an unknown id.
    const outsider = await rejects(pm.requestConversation(w.a, { userId: String(w.outsider._id) }));
    const unknown = await rejects(
      pm.requestConversation(w.a, { userId: '0123456789abcdef01234567' }),
    );
    expect([outsider.code, outsider.status]).toEqual([unknown.code, unknown.status]);
    // Members can not switch it: only moderators.
    expect(
      (await rejects(pm.setGroupPrivateMessages(w.a, { group: w.group.slug, enabled: false })))
        .code,
    ).toBe('not_found');
    expect(
      await AuditEvent.exists({ action: 'group.private_messages_on', group: w.group._id }),
    ).not.toBeNull();
  });

  it('need the recipient to accept; then both can write; turning the group off stops them', async () => {
    const w = await world();
    const { id } = await pm.requestConversation(w.a, { userId: String(w.friend._id) });
    expect(
      await Notification.exists({ user: w.friend._id, kind: 'private_message' }),
    ).not.toBeNull();
    const early = await rejects(pm.sendMessage(w.a, { threadId: id, body: 'Hello?' }));
    expect(early.code).toBe('pm_not_allowed');
    // The requester cannot accept their own request.
    expect((await rejects(pm.respondToRequest(w.a, { threadId: id, accept: true }))).code).toBe(
      'pm_not_allowed',
    );
    await pm.respondToRequest(w.b, { threadId: id, accept: true });
    await pm.sendMessage(w.a, { threadId: id, body: 'Hello there' });
    await pm.sendMessage(w.b, { threadId: id, body: 'Hi!' });
    const view = await pm.getThread(w.a, { threadId: id });
    expect(view.messages.map((m) => [m.body, m.mine])).toEqual([
      ['Hello there', true],
      ['Hi!', false],
    ]);
    // A third person cannot see it at all.
    expect((await rejects(pm.getThread(actorFor(w.moderator), { threadId: id }))).code).toBe(
      'not_found',
    );
    await pm.setGroupPrivateMessages(actorFor(w.moderator), {
      group: w.group.slug,
      enabled: false,
    });
    expect((await rejects(pm.sendMessage(w.a, { threadId: id, body: 'Still?' }))).code).toBe(
      'pm_not_allowed',
    );
  });

  it('blocking stops both directions; only the blocker can unblock', async () => {
    const w = await world();
    const { id } = await pm.requestConversation(w.a, { userId: String(w.friend._id) });
    await pm.respondToRequest(w.b, { threadId: id, accept: true });
    await pm.setBlocked(w.b, { threadId: id, block: true });
    expect((await rejects(pm.sendMessage(w.a, { threadId: id, body: 'x' }))).code).toBe(
      'pm_not_allowed',
    );
    expect((await rejects(pm.sendMessage(w.b, { threadId: id, body: 'x' }))).code).toBe(
      'pm_not_allowed',
    );
    expect((await rejects(pm.setBlocked(w.a, { threadId: id, block: false }))).code).toBe(
      'pm_not_allowed',
    );
    await pm.setBlocked(w.b, { threadId: id, block: false });
    await pm.sendMessage(w.a, { threadId: id, body: 'Sorry' });
    expect(await PrivateMessage.countDocuments({ thread: id })).toBe(1);
  });

  it('a report lets the group’s moderators read it; each read is audited and shown to both', async () => {
    const w = await world();
    const { id } = await pm.requestConversation(w.a, { userId: String(w.friend._id) });
    await pm.respondToRequest(w.b, { threadId: id, accept: true });
    await pm.sendMessage(w.b, { threadId: id, body: 'Something unkind' });
    const mod = actorFor(w.moderator);
    // Not reported yet: moderators cannot open it.
    expect(
      (await rejects(pm.readReportedThread(mod, { group: w.group.slug, threadId: id }))).code,
    ).toBe('not_found');
    await pm.reportThread(w.a, { threadId: id, reason: 'Unkind messages' });
    expect(
      await Notification.exists({ user: w.moderator._id, kind: 'pm_reported' }),
    ).not.toBeNull();
    const list = await pm.listReportedThreads(mod, { group: w.group.slug });
    expect(list.threads.map((t) => t.id)).toEqual([id]);
    const read = await pm.readReportedThread(mod, { group: w.group.slug, threadId: id });
    expect(read.messages.map((m) => m.body)).toEqual(['Something unkind']);
    const audit = await AuditEvent.findOne({ action: 'pm.read_by_moderator', targetId: id }).lean();
    expect(String(audit?.actor)).toBe(String(w.moderator._id));
    expect(JSON.stringify(audit)).not.toContain('Something unkind');
    for (const who of [w.a, w.b]) {
      expect((await pm.getThread(who, { threadId: id })).moderatorReads).toHaveLength(1);
    }
    // A moderator of another group, or a member, cannot read it.
    const elsewhere = await createGroupWithPeople();
    expect(
      (
        await rejects(
          pm.readReportedThread(actorFor(elsewhere.moderator), {
            group: elsewhere.group.slug,
            threadId: id,
          }),
        )
      ).code,
    ).toBe('not_found');
    expect(
      (await rejects(pm.readReportedThread(w.a, { group: w.group.slug, threadId: id }))).code,
    ).toBe('not_found');
  });
});
