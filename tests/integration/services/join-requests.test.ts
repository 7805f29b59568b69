import { AuditEvent, Group, JoinRequest } from '../../../models';
import type { Visitor } from '../../../server/context';
import { isAppError } from '../../../server/errors';
import { en } from '../../../server/i18n/en';
import { createServices } from '../../../server/services';
import { testDeps } from '../../helpers/deps';
import { actorFor, createGroup, createGroupWithPeople, createUser } from '../../helpers/factories';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';
import { joinAsNewcomer } from '../../helpers/invitations';

const deps = testDeps();
const services = createServices(deps);
const visitor: Visitor = { kind: 'visitor', requestId: 'test' };
const questions = [
  { questionId: 'q-why', text: 'What brings you here?' },
  { questionId: 'q-where', text: 'Where did you hear about us?' },
];

beforeAll(() => connectGroupsDb('groups-join-requests'));
afterAll(disconnectGroupsDb);
beforeEach(() => {
  deps.mailer.sent.length = 0;
});

async function setup() {
  const people = await createGroupWithPeople();
  await Group.updateOne({ _id: people.group._id }, { $set: { questions } });
  return people;
}

describe('join requests', () => {
  it('round trip: a visitor asks, an advocate approves, an invitation arrives and works', async () => {
    const { group, advocate } = await setup();
    await services.joinRequests.submitJoinRequest(visitor, group.slug, {
      email: 'Asker@Example.test',
      answers: [
        { questionId: 'q-why', answer: 'My mother was diagnosed last month.' },
        { questionId: 'q-unknown', answer: 'ignored' },
      ],
      confirmAge: true,
    });
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.mailer.sent[0]?.to).toBe('asker@example.test');

    const list = await services.joinRequests.listJoinRequests(actorFor(advocate), group.slug);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      email: 'asker@example.test',
      answers: [
        { question: 'What brings you here?', answer: 'My mother was diagnosed last month.' },
      ],
    });

    await services.joinRequests.approveJoinRequest(actorFor(advocate), group.slug, list[0]!.id);
    const invitationMail = deps.mailer.sent[1];
    expect(invitationMail?.to).toBe('asker@example.test');
    const token = invitationMail?.text.match(/\/invitations\/([A-Za-z0-9_-]{43})/)?.[1];
    expect(token).toBeDefined();
    const joined = await joinAsNewcomer(services, deps.mailer, token!, {
      confirmAge: true,
      accepted: ['terms', 'privacy', 'rules', 'disclaimer'],
      newAccount: {
        email: 'asker@example.test',
        displayName: 'Asker',
        password: 'a quiet harbour on a calm evening',
      },
    });
    expect(joined.createdAccount).toBe(true);
    expect(
      await services.joinRequests.listJoinRequests(actorFor(advocate), group.slug),
    ).toHaveLength(0);
    const audit = await AuditEvent.findOne({
      action: 'join_request.approved',
      targetId: list[0]!.id,
    }).lean();
    expect(audit).not.toBeNull();
    expect(JSON.stringify(audit)).not.toContain('asker@example.test');
  });

  it('declining e-mails the kind message, or a gentle default', async () => {
    const { group, advocate } = await setup();
    for (const email of ['one@example.test', 'two@example.test']) {
      await services.joinRequests.submitJoinRequest(visitor, group.slug, {
        email,
        confirmAge: true,
      });
    }
    const [one, two] = await services.joinRequests.listJoinRequests(actorFor(advocate), group.slug);
    deps.mailer.sent.length = 0;
    await services.joinRequests.declineJoinRequest(actorFor(advocate), group.slug, one!.id, {
      message: 'This group is for carers; the patients group may suit you better.',
    });
    await services.joinRequests.declineJoinRequest(actorFor(advocate), group.slug, two!.id, {});
    expect(deps.mailer.sent[0]?.text).toContain('the patients group may suit you better');
    expect(deps.mailer.sent[1]?.text).toContain(en.joinRequests.declineDefault);
    await expect(
      services.joinRequests.approveJoinRequest(actorFor(advocate), group.slug, one!.id),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('a member’s address gets the same confirmation and one e-mail, and advocates see nothing', async () => {
    const { group, member, advocate } = await setup();
    const memberEmail = (member as { email: string }).email;
    const outcome = await services.joinRequests.submitJoinRequest(visitor, group.slug, {
      email: memberEmail,
      confirmAge: true,
    });
    const newcomer = await services.joinRequests.submitJoinRequest(visitor, group.slug, {
      email: 'newcomer@example.test',
      confirmAge: true,
    });
    expect(outcome).toEqual(newcomer);
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([memberEmail, 'newcomer@example.test']);
    expect(deps.mailer.sent[0]?.subject).toBe(en.joinRequests.memberSubject(group.name));
    // Stored as answered, like any request (so the answer takes the same time), never listed.
    const stored = await JoinRequest.find({ group: group._id, email: memberEmail }).lean();
    expect(stored.map((r) => r.status)).toEqual(['already_member']);
    const list = await services.joinRequests.listJoinRequests(actorFor(advocate), group.slug);
    expect(list.map((r) => r.email)).toEqual(['newcomer@example.test']);
  });

  it('asking twice keeps one waiting request', async () => {
    const { group, advocate } = await setup();
    for (let i = 0; i < 2; i += 1) {
      await services.joinRequests.submitJoinRequest(visitor, group.slug, {
        email: 'twice@example.test',
        confirmAge: true,
      });
    }
    const list = await services.joinRequests.listJoinRequests(actorFor(advocate), group.slug);
    expect(list.filter((r) => r.email === 'twice@example.test')).toHaveLength(1);
  });

  it('hidden groups take no requests; only advocates see them; age must be confirmed', async () => {
    const hidden = await createGroup({ hidden: true });
    await expect(
      services.joinRequests.submitJoinRequest(visitor, hidden.slug, {
        email: 'h@example.test',
        confirmAge: true,
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const { group, member, moderator } = await setup();
    const stranger = await createUser();
    for (const user of [member, moderator, stranger]) {
      await expect(
        services.joinRequests.listJoinRequests(actorFor(user), group.slug),
      ).rejects.toMatchObject({ code: 'not_found' });
    }
    try {
      await services.joinRequests.submitJoinRequest(visitor, group.slug, {
        email: 'y@example.test',
      });
      throw new Error('expected a failure');
    } catch (error) {
      expect(isAppError(error) && error.code).toBe('validation_failed');
    }
  });
});
