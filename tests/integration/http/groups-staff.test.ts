import request from 'supertest';
import type { Express } from 'express';
import { Group, User, type UserDoc } from '../../../models';
import { createApp } from '../../../server/app';
import { hashRecoveryCode, newTotpSecret } from '../../../server/auth/totp';
import { en } from '../../../server/i18n/en';
import { createServices } from '../../../server/services';
import { testDeps } from '../../helpers/deps';
import { TEST_PASSWORD, createGroupWithPeople, createUser } from '../../helpers/factories';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';

/**
 * The pages of advocates, moderators and administrators, driven through HTTP. Staff must use a
 * second factor; these tests give them a recovery code to pass it.
 */
type Agent = ReturnType<typeof request.agent>;

const deps = testDeps();
const services = createServices(deps);
let app: Express;

beforeAll(async () => {
  await connectGroupsDb('groups-http-staff');
  app = createApp(deps, services);
});
afterAll(disconnectGroupsDb);
beforeEach(() => {
  deps.mailer.sent.length = 0;
});

function csrfOf(html: string): string {
  const token = html.match(/name="csrf-token" content="([^"]+)"/)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

async function page(agent: Agent, path: string) {
  const res = await agent.get(path).set('Accept', 'text/html');
  return { status: res.status, text: res.text, csrf: res.status === 200 ? csrfOf(res.text) : '' };
}

/** Signs a staff member in with password and a one-time recovery code. */
async function signInStaff(user: UserDoc): Promise<Agent> {
  const code = 'abcd-efgh-jkmn';
  await User.updateOne(
    { _id: user._id },
    {
      $set: {
        'totp.secret': newTotpSecret(),
        'totp.enabledAt': new Date(),
        'totp.recoveryCodeHashes': [hashRecoveryCode(code)],
      },
    },
  );
  const agent = request.agent(app);
  const login = await page(agent, '/login');
  const first = await agent
    .post('/login')
    .type('form')
    .send({ email: user.email, password: TEST_PASSWORD, _csrf: login.csrf });
  expect(first.headers.location).toBe('/login/code');
  const codePage = await page(agent, '/login/code');
  const second = await agent.post('/login/code').type('form').send({ code, _csrf: codePage.csrf });
  expect(second.status).toBe(303);
  return agent;
}

describe('advocate pages', () => {
  it('create a link (shown once), see it listed with status, cancel it', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const agent = await signInStaff(advocate);
    const list = await page(agent, `/g/${group.slug}/invitations`);
    expect(list.status).toBe(200);
    const created = await agent
      .post(`/g/${group.slug}/invitations`)
      .type('form')
      .send({ _csrf: list.csrf, kind: 'link', maxUses: '4', days: '3' });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toContain('no-store');
    const link = created.text.match(/\/invitations\/([A-Za-z0-9_-]{43})/)?.[1];
    expect(link).toBeDefined();
    expect(created.text).toContain(en.invitations.uses(0, 4));

    const again = await page(agent, `/g/${group.slug}/invitations`);
    expect(again.text).not.toContain(link!);
    expect(again.text).toContain(en.invitations.statusNames.pending!);
    const id = again.text.match(/\/invitations\/([0-9a-f]{24})\/revoke/)?.[1];
    const revoked = await agent
      .post(`/g/${group.slug}/invitations/${id}/revoke`)
      .type('form')
      .send({ _csrf: again.csrf });
    expect(revoked.status).toBe(303);
    const after = await page(agent, `/g/${group.slug}/invitations`);
    expect(after.text).toContain(en.invitations.statusNames.revoked!);
    expect((await request(app).get(`/invitations/${link}`)).status).toBe(404);
  });

  it('an e-mail invitation is sent, not shown', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const agent = await signInStaff(advocate);
    const list = await page(agent, `/g/${group.slug}/invitations`);
    const created = await agent
      .post(`/g/${group.slug}/invitations`)
      .type('form')
      .send({ _csrf: list.csrf, kind: 'email', email: 'friend@example.test' });
    expect(created.status).toBe(201);
    expect(created.text).toContain(en.invitations.emailSent);
    expect(created.text).not.toMatch(/\/invitations\/[A-Za-z0-9_-]{43}/);
    expect(deps.mailer.sent.map((m) => m.to)).toEqual(['friend@example.test']);
  });

  it('requests: read the answers, approve (invitation e-mailed), decline with a message', async () => {
    const { group, advocate } = await createGroupWithPeople();
    await Group.updateOne(
      { _id: group._id },
      { $set: { questions: [{ questionId: 'q-why', text: 'What brings you here?' }] } },
    );
    for (const email of ['first@example.test', 'second@example.test']) {
      await services.joinRequests.submitJoinRequest(
        { kind: 'visitor', requestId: 't' },
        group.slug,
        {
          email,
          answers: [{ questionId: 'q-why', answer: `I am ${email.split('@')[0]}` }],
          confirmAge: true,
        },
      );
    }
    deps.mailer.sent.length = 0;
    const agent = await signInStaff(advocate);
    const list = await page(agent, `/g/${group.slug}/requests`);
    expect(list.text).toContain('What brings you here?');
    expect(list.text).toContain('I am first');
    const ids = [...list.text.matchAll(/\/requests\/([0-9a-f]{24})\/approve/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    await agent
      .post(`/g/${group.slug}/requests/${ids[0]}/approve`)
      .type('form')
      .send({ _csrf: list.csrf })
      .expect(303);
    await agent
      .post(`/g/${group.slug}/requests/${ids[1]}/decline`)
      .type('form')
      .send({ _csrf: list.csrf, message: 'The carers group may suit you better.' })
      .expect(303);
    expect(deps.mailer.sent[0]?.text).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}/);
    expect(deps.mailer.sent[1]?.text).toContain('The carers group may suit you better.');
    const empty = await page(agent, `/g/${group.slug}/requests`);
    expect(empty.text).toContain(en.joinRequests.none);
  });
});

describe('moderator pages', () => {
  it('publishing new rules makes members read-only with a banner', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const agent = await signInStaff(moderator);
    const docs = await page(agent, `/g/${group.slug}/documents`);
    expect(docs.status).toBe(200);
    const ids = group.rules.map((r) => r.ruleId);
    const res = await agent
      .post(`/g/${group.slug}/documents`)
      .type('form')
      .send({
        _csrf: docs.csrf,
        kind: 'rules',
        ruleId: [...ids, ''],
        ruleTitle: [...group.rules.map((r) => r.title), 'No selling'],
        ruleBody: [...group.rules.map((r) => r.body ?? ''), ''],
        changeSummary: 'Rule 5 is new: no selling.',
      });
    expect(res.status).toBe(303);
    const fresh = await Group.findById(group._id).lean();
    expect(fresh?.rules.slice(0, 4).map((r) => r.ruleId)).toEqual(ids);
    const memberAgent = request.agent(app);
    const login = await page(memberAgent, '/login');
    await memberAgent
      .post('/login')
      .type('form')
      .send({ email: member.email, password: TEST_PASSWORD, _csrf: login.csrf })
      .expect(303);
    const members = await page(memberAgent, `/g/${group.slug}/members`);
    expect(members.text).toContain(en.documents.bannerTitle);
    const accept = await page(memberAgent, `/g/${group.slug}/accept`);
    expect(accept.text).toContain('Rule 5 is new: no selling.');
  });
});

describe('administrator pages', () => {
  it('set up a group, give a person roles, publish new terms', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const agent = await signInStaff(admin);
    expect((await page(agent, '/admin/groups')).status).toBe(200);
    const form = await page(agent, '/admin/groups/new');
    expect(form.status).toBe(200);
    const created = await agent
      .post('/admin/groups')
      .type('form')
      .send({
        _csrf: form.csrf,
        slug: 'mbc',
        name: 'Living with metastatic breast cancer',
        description: 'Support for people living with MBC.',
        disclaimer: 'Nothing here is medical advice.',
        ruleId: ['', '', ''],
        ruleTitle: ['Be kind', 'No photos', ''],
        ruleBody: ['', '', ''],
        questionId: ['', ''],
        questionText: ['What brings you here?', ''],
        days: ['1', '2', '3', '4', '5'],
        start: '09:00',
        end: '17:00',
        timeZone: 'Europe/Dublin',
        minimumAge: '18',
      });
    expect(created.status).toBe(303);
    const editPath = created.headers.location as string;
    const edit = await page(agent, editPath);
    expect(edit.text).toContain('No photos');
    const groupId = editPath.split('/')[3]!;

    const publicPage = await request(app).get('/g/mbc').set('Accept', 'text/html');
    expect(publicPage.text).toContain('Monday to Friday, 09:00 to 17:00 (Europe/Dublin time).');

    const taken = await agent
      .post('/admin/groups')
      .type('form')
      .send({ _csrf: form.csrf, slug: 'mbc', name: 'Again', days: ['1'] });
    expect(taken.status).toBe(422);
    expect(taken.text).toContain(en.adminGroups.slugTaken);

    const person = await createUser({ email: 'helper@example.test' });
    const roles = await page(agent, `/admin/groups/${groupId}/roles?email=helper%40example.test`);
    expect(roles.text).toContain(person.displayName);
    await agent
      .post(`/admin/groups/${groupId}/roles`)
      .type('form')
      .send({ _csrf: roles.csrf, userId: String(person._id), roles: ['member', 'advocate'] })
      .expect(303);
    const { people } = await services.groups.listGroupPeople(
      {
        kind: 'user',
        userId: admin._id,
        siteRole: 'admin',
        displayName: 'A',
        secondFactorDone: true,
        requestId: 't',
      },
      groupId,
    );
    expect(people[0]).toMatchObject({
      displayName: person.displayName,
      roles: ['member', 'advocate'],
    });

    const missing = await page(agent, `/admin/groups/${groupId}/roles?email=nobody%40example.test`);
    expect(missing.text).toContain(en.adminGroups.notFound);
    const account = await agent.post(`/admin/groups/${groupId}/accounts`).type('form').send({
      _csrf: missing.csrf,
      email: 'nobody@example.test',
      displayName: 'Newcomer',
      password: 'a quiet harbour on a calm evening',
    });
    expect(account.status).toBe(303);
    const next = await page(agent, account.headers.location as string);
    expect(next.text).toContain('Newcomer');

    const docs = await page(agent, '/admin/documents');
    expect(docs.status).toBe(200);
    await agent
      .post('/admin/documents')
      .type('form')
      .send({
        _csrf: docs.csrf,
        kind: 'terms',
        title: 'Terms of use',
        body: 'Be kind.',
        changeSummary: 'Shorter.',
      })
      .expect(303);
    const after = await page(agent, '/admin/documents');
    expect(after.text).toContain(en.documents.currentVersion(1));

    const audit = await page(agent, '/admin/audit');
    expect(audit.text).toContain(en.audit.intact);
    expect(audit.text).toContain('membership.roles_changed');
    expect(audit.text).not.toContain('helper@example.test');
  });

  it('members cannot reach the administrators’ pages', async () => {
    const member = await createUser();
    const agent = request.agent(app);
    const login = await page(agent, '/login');
    await agent
      .post('/login')
      .type('form')
      .send({ email: member.email, password: TEST_PASSWORD, _csrf: login.csrf })
      .expect(303);
    for (const path of ['/admin/groups', '/admin/groups/new', '/admin/documents', '/admin/audit']) {
      expect((await agent.get(path).set('Accept', 'text/html')).status).toBe(404);
    }
  });
});
