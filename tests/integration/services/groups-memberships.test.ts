import { AuditEvent, DocumentVersion, Membership } from '../../../models';
import type { Visitor } from '../../../server/context';
import { createServices } from '../../../server/services';
import { requireGroupAccess } from '../../../server/services/group-access';
import { testDeps } from '../../helpers/deps';
import {
  actorFor,
  addMember,
  createGroup,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';

const deps = testDeps();
const services = createServices(deps);
const visitor: Visitor = { kind: 'visitor', requestId: 'test' };

beforeAll(() => connectGroupsDb('groups-memberships'));
afterAll(disconnectGroupsDb);

function recordEvents() {
  const seen: Array<{ groupId: string; userId: string; status: string }> = [];
  const off = deps.events.on('membership.changed', (p) => seen.push(p));
  return { seen, off };
}

describe('administrators set up groups', () => {
  it('creates a group with default business hours, rules with ids, and version 1 documents', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const group = await services.groups.createGroup(actorFor(admin), {
      slug: 'mbc-ireland',
      name: 'Metastatic breast cancer: Ireland',
      description: 'Support for people living with metastatic breast cancer.',
      disclaimer: 'Nothing here is medical advice.',
      rules: [{ title: 'Be kind' }, { title: 'No photos' }],
      questions: [{ text: 'What brings you here?' }],
    });
    expect(group.businessHours).toMatchObject({
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '17:00',
      timeZone: 'Europe/Dublin',
    });
    expect(group.rules.map((r) => r.ruleId)).toEqual([
      expect.stringMatching(/^r-/),
      expect.stringMatching(/^r-/),
    ]);
    expect(group.questions[0]?.questionId).toMatch(/^q-/);
    expect(await DocumentVersion.countDocuments({ group: group._id })).toBe(2);

    const view = await services.groups.getPublicGroup(visitor, 'mbc-ireland');
    expect(view.businessHours.text).toBe('Monday to Friday, 09:00 to 17:00 (Europe/Dublin time).');
    await expect(
      services.groups.createGroup(actorFor(admin), { slug: 'mbc-ireland', name: 'Again' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const member = await createUser();
    await expect(
      services.groups.createGroup(actorFor(member), { slug: 'x', name: 'x' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('editing the rules keeps ids and publishes a new version', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const group = await createGroup();
    const rules = group.rules.map((r) => ({
      ruleId: r.ruleId,
      title: r.title,
      body: r.body ?? '',
    }));
    rules[1] = { ...rules[1]!, title: 'No personal health questions, please' };
    const saved = await services.groups.updateGroup(actorFor(admin), String(group._id), {
      slug: group.slug,
      name: group.name,
      disclaimer: group.disclaimer,
      rules: rules.slice(0, 3),
      businessHours: { days: [1, 3], start: '10:00', end: '14:00', timeZone: 'Europe/London' },
    });
    expect(saved.rulesVersion).toBe(group.rulesVersion + 1);
    expect(saved.disclaimerVersion).toBe(group.disclaimerVersion);
    expect(saved.rules.map((r) => r.ruleId)).toEqual(group.rules.slice(0, 3).map((r) => r.ruleId));
    const view = await services.groups.getPublicGroup(visitor, group.slug);
    expect(view.businessHours.text).toBe(
      'Monday and Wednesday, 10:00 to 14:00 (Europe/London time).',
    );
  });

  it('the public page shows only what the group published; hidden groups do not exist', async () => {
    const { group, member } = await createGroupWithPeople();
    const view = await services.groups.getPublicGroup(visitor, group.slug);
    const json = JSON.stringify(view);
    expect(json).not.toContain(member.displayName);
    expect(Object.keys(view).sort()).toEqual(
      [
        'businessHours',
        'complaintsContact',
        'complaintsProcess',
        'description',
        'disclaimer',
        'howToJoin',
        'minimumAge',
        'name',
        'questions',
        'rules',
        'slug',
      ].sort(),
    );
    const hidden = await createGroup({ hidden: true });
    await expect(services.groups.getPublicGroup(visitor, hidden.slug)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(services.groups.getPublicGroup(visitor, 'no-such-group')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('roles: find by e-mail, create an account, assign several roles, take them away', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const group = await createGroup();
    const adminActor = actorFor(admin);
    expect(await services.groups.findPersonByEmail(adminActor, 'nobody@example.test')).toBeNull();
    const created = await services.groups.createAccountFor(adminActor, {
      email: 'Advocate.Ann@example.test',
      displayName: 'Ann',
      password: 'a quiet harbour on a calm evening',
    });
    const found = await services.groups.findPersonByEmail(adminActor, 'advocate.ann@example.test');
    expect(found).toEqual(created);
    await expect(
      services.groups.createAccountFor(adminActor, {
        email: 'advocate.ann@example.test',
        displayName: 'Ann again',
        password: 'a quiet harbour on a calm evening',
      }),
    ).rejects.toMatchObject({ code: 'conflict' });

    const { seen, off } = recordEvents();
    await services.groups.setRoles(adminActor, String(group._id), {
      userId: created.userId,
      roles: ['member', 'advocate', 'moderator'],
    });
    const { people } = await services.groups.listGroupPeople(adminActor, String(group._id));
    expect(people).toEqual([
      expect.objectContaining({ displayName: 'Ann', roles: ['member', 'advocate', 'moderator'] }),
    ]);
    await services.groups.setRoles(adminActor, String(group._id), {
      userId: created.userId,
      roles: [],
    });
    off();
    expect(seen.map((e) => e.status)).toEqual(['active', 'removed']);
    expect(await AuditEvent.countDocuments({ group: group._id, action: /^membership\./ })).toBe(2);
    await expect(
      services.groups.listGroupPeople(actorFor(await createUser()), String(group._id)),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('membership from the inside', () => {
  it("a group's moderators are found through an index, not by reading every member", async () => {
    const { group, moderator } = await createGroupWithPeople();
    const members = await Promise.all(Array.from({ length: 30 }, () => createUser()));
    await Promise.all(members.map((m) => addMember(m, group)));
    await Membership.init(); // the model's indexes are built
    const query = () => Membership.find({ group: group._id, status: 'active', roles: 'moderator' });
    expect((await query().lean()).map((m) => String(m.user))).toEqual([String(moderator._id)]);
    // Read on every page and post of a group (its rota and who is told of a waiting post): with
    // only { group, status } this read every active member of the group.
    const plan = (await query().explain('queryPlanner')) as unknown as {
      queryPlanner: { winningPlan: { stage: string; inputStage?: { indexName?: string } } };
    };
    expect(plan.queryPlanner.winningPlan.inputStage?.indexName).toBe('group_1_roles_1_status_1');
  });

  it('members see display names only; outsiders and removed members get "not found"', async () => {
    const { group, member, moderator, advocate } = await createGroupWithPeople();
    const list = await services.memberships.listMembers(actorFor(member), group.slug);
    expect(list.map((e) => e.displayName).sort()).toEqual(
      [member.displayName, moderator.displayName, advocate.displayName].sort(),
    );
    for (const entry of list) expect(Object.keys(entry)).toEqual(['displayName']);
    const asAdvocate = await services.memberships.listMembers(actorFor(advocate), group.slug);
    expect(asAdvocate.find((e) => e.displayName === member.displayName)?.userId).toBe(
      String(member._id),
    );
    const stranger = await createUser();
    await expect(
      services.memberships.listMembers(actorFor(stranger), group.slug),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('an advocate removes a member: access ends at once, the reason is audited, sockets are told', async () => {
    const { group, member, advocate } = await createGroupWithPeople();
    const { seen, off } = recordEvents();
    await services.memberships.removeMember(actorFor(advocate), group.slug, {
      userId: String(member._id),
      reason: 'Shared another member’s details',
    });
    off();
    expect(seen).toEqual([
      { groupId: String(group._id), userId: String(member._id), status: 'removed' },
    ]);
    await expect(
      requireGroupAccess(deps.clock, actorFor(member), group.slug, 'enter'),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    const audit = await AuditEvent.findOne({
      action: 'membership.removed',
      group: group._id,
    }).lean();
    expect(audit?.reason).toBe('Shared another member’s details');
    expect(audit?.actor?.toString()).toBe(String(advocate._id));
  });

  it('members cannot remove anyone, and staff cannot be removed this way', async () => {
    const { group, member, moderator, advocate } = await createGroupWithPeople();
    const other = await createUser();
    await addMember(other, group);
    await expect(
      services.memberships.removeMember(actorFor(member), group.slug, {
        userId: String(other._id),
        reason: 'x',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      services.memberships.removeMember(actorFor(advocate), group.slug, {
        userId: String(moderator._id),
        reason: 'x',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      services.memberships.removeMember(actorFor(moderator), group.slug, {
        userId: String(other._id),
        reason: '',
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('a member leaves: gone from the list at once, audited, sockets told', async () => {
    const { group, member, advocate } = await createGroupWithPeople();
    const { seen, off } = recordEvents();
    await services.memberships.leaveGroup(actorFor(member), group.slug);
    off();
    expect(seen[0]?.status).toBe('left');
    expect((await Membership.findOne({ user: member._id, group: group._id }).lean())?.status).toBe(
      'left',
    );
    const list = await services.memberships.listMembers(actorFor(advocate), group.slug);
    expect(list.map((e) => e.displayName)).not.toContain(member.displayName);
    expect(
      await AuditEvent.exists({ action: 'membership.left', actor: member._id }),
    ).not.toBeNull();
    await expect(
      services.memberships.leaveGroup(actorFor(member), group.slug),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
