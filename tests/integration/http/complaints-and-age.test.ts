import request from 'supertest';
import { Group, Invitation, JoinRequest, Membership, User } from '../../../models';
import {
  TEST_PASSWORD,
  actorFor,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';
import { csrfFrom, enableTotp, signIn, startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * The public page and joining (issue 14, item 7): administrators edit the organisation's
 * complaints process and contact in the group form and visitors read them on the public page;
 * asking for or redeeming an invitation needs the age confirmation, at the group's own minimum.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ name: 'http-complaints-age' });
});
afterAll(async () => {
  await t.close();
});

/** Every field of the group form as the edit page has it, with some changed. */
function groupFormFields(html: string, changes: Record<string, string | string[]>) {
  const value = (name: string) =>
    new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? '';
  const text = (name: string) =>
    new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1] ?? '';
  return {
    _csrf: csrfFrom(html),
    slug: value('slug'),
    name: value('name'),
    description: text('description'),
    howToJoin: text('howToJoin'),
    disclaimer: text('disclaimer'),
    ruleId: [...html.matchAll(/name="ruleId" value="([^"]*)"/g)].map((m) => m[1] ?? ''),
    ruleTitle: [...html.matchAll(/name="ruleTitle"[^>]*value="([^"]*)"/g)].map((m) => m[1] ?? ''),
    ruleBody: [...html.matchAll(/name="ruleBody"[^>]*>([^<]*)<\/textarea>/g)].map(
      (m) => m[1] ?? '',
    ),
    days: ['1', '2', '3', '4', '5'],
    start: '09:00',
    end: '17:00',
    timeZone: 'Europe/Dublin',
    minimumAge: '18',
    ...changes,
  };
}

describe('the complaints process and contact', () => {
  it('administrators edit both in the group form; the public page shows them', async () => {
    const { group } = await createGroupWithPeople();
    const admin = await createUser({ siteRole: 'admin' });
    const secret = await enableTotp(admin._id);
    const agent = await signIn(t.baseUrl, admin.email, TEST_PASSWORD, {
      secret,
      clock: t.deps.clock,
    });
    const before = await request(t.baseUrl).get(`/g/${group.slug}`).expect(200);
    expect(before.text).toContain('If you are unhappy with something');
    expect(before.text).toContain('Tell a moderator in the group'); // the general text
    expect(before.text).not.toContain('id="complaints-contact"');

    const edit = await agent.get(`/admin/groups/${String(group._id)}/edit`).expect(200);
    expect(edit.text).toContain('How to make a complaint (shown on the public page)');
    expect(edit.text).toContain('Who to contact with a complaint');
    const process =
      'Write to the Patient Advice and Liaison Service. We answer within 20 working days.';
    await agent
      .post(`/admin/groups/${String(group._id)}`)
      .type('form')
      .send(
        groupFormFields(edit.text, {
          complaintsProcess: process,
          complaintsContact: 'PALS, 01 234 5678',
        }),
      )
      .expect(303);
    const saved = await Group.findById(group._id).lean();
    expect(saved?.complaintsProcess).toBe(process);
    expect(saved?.complaintsContact).toBe('PALS, 01 234 5678');
    // The rules were sent back unchanged: no new version for members to accept.
    expect(saved?.rulesVersion).toBe(group.rulesVersion);

    const after = await request(t.baseUrl).get(`/g/${group.slug}`).expect(200);
    expect(after.text).toContain(process);
    expect(after.text).toContain('Contact: PALS, 01 234 5678');
    expect(after.text).not.toContain('Tell a moderator in the group');
    // The form shows what is saved.
    const again = await agent.get(`/admin/groups/${String(group._id)}/edit`).expect(200);
    expect(again.text).toContain(process);
    expect(again.text).toContain('value="PALS, 01 234 5678"');

    // Too long a contact is refused with the form kept.
    const tooLong = await agent
      .post(`/admin/groups/${String(group._id)}`)
      .type('form')
      .send(groupFormFields(again.text, { complaintsContact: 'x'.repeat(501) }));
    expect(tooLong.status).toBe(422);
    expect((await Group.findById(group._id).lean())?.complaintsContact).toBe('PALS, 01 234 5678');

    // Only administrators: a member of the group gets no form and changes nothing.
    const member = await signIn(t.baseUrl, (await createUser()).email, TEST_PASSWORD);
    const refused = await member
      .post(`/admin/groups/${String(group._id)}`)
      .type('form')
      .send({
        ...groupFormFields(again.text, { complaintsProcess: 'Hacked' }),
        _csrf: member.csrf(),
      });
    expect([403, 404]).toContain(refused.status);
    expect((await Group.findById(group._id).lean())?.complaintsProcess).toBe(process);
  });
});

describe('the age confirmation, at the group’s minimum age', () => {
  it('asking for an invitation: the page names the age; without the tick nothing is stored', async () => {
    const { group } = await createGroupWithPeople();
    await Group.updateOne({ _id: group._id }, { $set: { 'settings.minimumAge': 21 } });
    const visitor = request.agent(t.baseUrl);
    const page = await visitor.get(`/g/${group.slug}`).expect(200);
    expect(page.text).toContain('I am 21 or older.');
    expect(page.text).toMatch(/name="confirmAge" value="on" required/);
    const res = await visitor
      .post(`/g/${group.slug}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'young.person@example.test' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please confirm your age.');
    expect(res.text).toContain('value="young.person@example.test"'); // kept for a second try
    expect(await JoinRequest.countDocuments({ group: group._id })).toBe(0);
    const ok = await visitor
      .post(`/g/${group.slug}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'young.person@example.test', confirmAge: 'on' });
    expect(ok.status).toBe(200);
    expect(await JoinRequest.countDocuments({ group: group._id })).toBe(1);
  });

  it('redeeming an invitation: refused without the tick, the use is kept, no account is made', async () => {
    const { group, advocate } = await createGroupWithPeople();
    await Group.updateOne({ _id: group._id }, { $set: { 'settings.minimumAge': 21 } });
    const { token, invitation } = await t.services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      { kind: 'link', maxUses: 1 },
    );
    const visitor = request.agent(t.baseUrl);
    const page = await visitor.get(`/invitations/${token}`).expect(200);
    expect(page.text).toContain('I am 21 or older.');
    const fields = {
      _csrf: csrfFrom(page.text),
      email: 'new.joiner@example.test',
      displayName: 'New joiner',
      password: 'a long and quiet evening by the sea',
      accept: ['terms', 'privacy', 'rules', 'disclaimer'],
    };
    const refused = await visitor.post(`/invitations/${token}`).type('form').send(fields);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Please confirm your age.');
    expect((await Invitation.findById(invitation.id).lean())?.usesLeft).toBe(1);
    expect(await User.countDocuments({ email: 'new.joiner@example.test' })).toBe(0);

    const joined = await visitor
      .post(`/invitations/${token}`)
      .type('form')
      .send({ ...fields, confirmAge: 'on' });
    expect(joined.status).toBe(303);
    const user = await User.findOne({ email: 'new.joiner@example.test' }).lean();
    expect(await Membership.countDocuments({ user: user?._id, group: group._id })).toBe(1);
  });

  it('a signed-in person redeeming must confirm too', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const person = await createUser();
    const { token } = await t.services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      {
        kind: 'link',
        maxUses: 1,
      },
    );
    const agent = await signIn(t.baseUrl, person.email, TEST_PASSWORD);
    const page = await agent.get(`/invitations/${token}`).expect(200);
    const refused = await agent
      .post(`/invitations/${token}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), accept: ['terms', 'privacy', 'rules', 'disclaimer'] });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Please confirm your age.');
    expect(await Membership.countDocuments({ user: person._id, group: group._id })).toBe(0);
  });
});
