import request from 'supertest';
import type { Express } from 'express';
import { Group, Membership, User } from '../../../models';
import { createApp } from '../../../server/app';
import { en } from '../../../server/i18n/en';
import { createServices } from '../../../server/services';
import { ensureDefaultDocuments } from '../../../server/services/consent';
import { testDeps } from '../../helpers/deps';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroup,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';
import { confirmationToken } from '../../helpers/invitations';

type Agent = ReturnType<typeof request.agent>;

const deps = testDeps();
const services = createServices(deps);
let app: Express;

beforeAll(async () => {
  await connectGroupsDb('groups-http');
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

/** Per-response secrets (CSRF token, CSP nonce) differ on every page; the rest must not. */
function normalise(html: string): string {
  return html
    .replace(/name="csrf-token" content="[^"]+"/g, 'name="csrf-token" content="X"')
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="X"')
    .replace(/nonce="[^"]+"/g, 'nonce="X"');
}

async function signIn(email: string, password = TEST_PASSWORD): Promise<Agent> {
  const agent = request.agent(app);
  const page = await agent.get('/login').set('Accept', 'text/html');
  const res = await agent
    .post('/login')
    .type('form')
    .send({ email, password, _csrf: csrfOf(page.text) });
  expect(res.status).toBe(303);
  return agent;
}

async function tokenFor(agent: Agent, path = '/'): Promise<string> {
  const page = await agent.get(path).set('Accept', 'text/html');
  return csrfOf(page.text);
}

const INSIDE_GETS = ['members', 'leave', 'accept', 'invitations', 'requests', 'documents'];

describe('the public page', () => {
  it('shows what the group published and nothing about its members', async () => {
    const { group, member, moderator, advocate } = await createGroupWithPeople();
    const res = await request(app).get(`/g/${group.slug}`).set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['x-robots-tag']).toBeUndefined();
    expect(res.text).toContain(group.name);
    expect(res.text).toContain('No personal health questions');
    expect(res.text).toContain('Take personal health concerns to your own doctor or care team.');
    expect(res.text).toContain('Monday to Friday, 09:00 to 17:00 (Europe/Dublin time).');
    expect(res.text).toContain(en.groups.askButton);
    for (const person of [member, moderator, advocate]) {
      expect(res.text).not.toContain(person.displayName);
      expect(res.text).not.toContain(person.email);
    }
    expect(res.text).not.toMatch(/\b3\b.*member/i);
    expect(res.text).not.toMatch(/href="\/g\/[^"]+\/members"/);
  });

  it('a hidden group and a missing group answer the same 404', async () => {
    const hidden = await createGroup({ hidden: true });
    const a = await request(app).get(`/g/${hidden.slug}`).set('Accept', 'text/html');
    const b = await request(app).get('/g/no-such-group').set('Accept', 'text/html');
    expect(a.status).toBe(404);
    expect(b.status).toBe(404);
    expect(normalise(a.text)).toBe(normalise(b.text));
  });
});

describe('inside a group', () => {
  it('non-members, removed members, hidden and missing groups all get the identical 404', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const hidden = await createGroup({ hidden: true });
    const outsider = await createUser();
    const removed = await createUser();
    await addMember(removed, group);
    await services.memberships.removeMember(actorFor(advocate), group.slug, {
      userId: String(removed._id),
      reason: 'Test removal',
    });
    const outsiderAgent = await signIn(outsider.email);
    const removedAgent = await signIn(removed.email);

    for (const page of INSIDE_GETS) {
      const bodies: string[] = [];
      for (const [agent, slug] of [
        [outsiderAgent, group.slug],
        [removedAgent, group.slug],
        [outsiderAgent, hidden.slug],
        [outsiderAgent, 'no-such-group'],
      ] as const) {
        const res = await agent.get(`/g/${slug}/${page}`).set('Accept', 'text/html');
        expect({ page, slug, status: res.status }).toEqual({ page, slug, status: 404 });
        bodies.push(normalise(res.text));
      }
      expect(new Set(bodies).size).toBe(1);
    }

    const csrf = await tokenFor(outsiderAgent);
    for (const path of ['leave', 'members/remove', 'invitations', 'accept']) {
      const res = await outsiderAgent
        .post(`/g/${group.slug}/${path}`)
        .type('form')
        .send({
          _csrf: csrf,
          userId: String(advocate._id),
          reason: 'x',
          kind: 'link',
          maxUses: '2',
        });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const api = await outsiderAgent
      .get(`/g/${group.slug}/members`)
      .set('Accept', 'application/json');
    expect(api.status).toBe(404);
  });

  it('members see the member list as display names, and a banner while documents are pending', async () => {
    await ensureDefaultDocuments(deps);
    const { group, member, moderator } = await createGroupWithPeople();
    const agent = await signIn(member.email);
    const res = await agent.get(`/g/${group.slug}/members`).set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).toContain(moderator.displayName);
    expect(res.text).not.toContain(moderator.email);
    expect(res.text).toContain(en.documents.bannerTitle);

    const accept = await agent.get(`/g/${group.slug}/accept`).set('Accept', 'text/html');
    expect(accept.text).toContain(en.documents.kindNames.terms ?? 'Terms of use');
    const done = await agent
      .post(`/g/${group.slug}/accept`)
      .type('form')
      .send({ _csrf: csrfOf(accept.text), accept: ['terms', 'privacy'] });
    expect(done.status).toBe(303);
    const after = await agent.get(`/g/${group.slug}/members`).set('Accept', 'text/html');
    expect(after.text).not.toContain(en.documents.bannerTitle);
  });

  it('leaving ends access at once', async () => {
    const { group, member } = await createGroupWithPeople();
    const agent = await signIn(member.email);
    const page = await agent.get(`/g/${group.slug}/leave`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    const res = await agent
      .post(`/g/${group.slug}/leave`)
      .type('form')
      .send({ _csrf: csrfOf(page.text) });
    expect(res.status).toBe(303);
    expect((await agent.get(`/g/${group.slug}/members`).set('Accept', 'text/html')).status).toBe(
      404,
    );
    expect((await Membership.findOne({ user: member._id, group: group._id }).lean())?.status).toBe(
      'left',
    );
  });
});

describe('asking for an invitation', () => {
  it('the confirmation is the same for a member’s address and a new one', async () => {
    const { group, member } = await createGroupWithPeople();
    await Group.updateOne(
      { _id: group._id },
      { $set: { questions: [{ questionId: 'q-why', text: 'Why?' }] } },
    );
    const pages: string[] = [];
    for (const email of [member.email, 'someone.new@example.test']) {
      const agent = request.agent(app);
      const page = await agent.get(`/g/${group.slug}`).set('Accept', 'text/html');
      const res = await agent
        .post(`/g/${group.slug}`)
        .type('form')
        .send({
          _csrf: csrfOf(page.text),
          email,
          confirmAge: 'on',
          questionId: 'q-why',
          answer: 'Support',
        });
      expect(res.status).toBe(200);
      expect(res.text).toContain(en.groups.askDone);
      pages.push(normalise(res.text));
    }
    expect(pages[0]).toBe(pages[1]);
    expect(deps.mailer.sent).toHaveLength(2);
  });

  it('without the age confirmation the form comes back with the reason', async () => {
    const { group } = await createGroupWithPeople();
    const agent = request.agent(app);
    const page = await agent.get(`/g/${group.slug}`).set('Accept', 'text/html');
    const res = await agent
      .post(`/g/${group.slug}`)
      .type('form')
      .send({ _csrf: csrfOf(page.text), email: 'young@example.test' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please confirm your age.');
  });
});

describe('redeeming an invitation', () => {
  it('a new person joins through the page, then signs in and is inside', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const { token } = await services.invitations.createInvitation(actorFor(advocate), group.slug, {
      kind: 'link',
      maxUses: 2,
    });
    const agent = request.agent(app);
    const page = await agent.get(`/invitations/${token}`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).toContain(en.invitations.redeemTitle(group.name));
    expect(page.text).toContain('name="accept" value="rules"');
    expect(page.text).toContain('name="accept" value="disclaimer"');

    const password = 'a quiet harbour on a calm evening';
    const res = await agent
      .post(`/invitations/${token}`)
      .type('form')
      .send({
        _csrf: csrfOf(page.text),
        email: 'joiner@example.test',
        displayName: 'Joiner',
        password,
        confirmAge: 'on',
        accept: ['terms', 'privacy', 'rules', 'disclaimer'],
      });
    // The same "check your e-mail" page whether or not the address is registered.
    expect(res.status).toBe(200);
    expect(res.text).toContain(en.signup.check('joiner@example.test'));
    expect(await User.exists({ email: 'joiner@example.test' })).toBeNull();

    const link = `/invitations/confirm/${confirmationToken(deps.mailer, 'joiner@example.test')}`;
    const confirm = await agent.get(link).set('Accept', 'text/html');
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(en.signup.confirmIntro(group.name));
    const done = await agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfOf(confirm.text) });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login');
    const member = await signIn('joiner@example.test', password);
    const inside = await member.get(`/g/${group.slug}/members`).set('Accept', 'text/html');
    expect(inside.status).toBe(200);
    expect(inside.text).toContain('Joiner');
  });

  it('unknown, revoked, expired and wrong-address links show the identical page', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const adv = actorFor(advocate);
    const revoked = await services.invitations.createInvitation(adv, group.slug, {
      kind: 'link',
      maxUses: 1,
    });
    await services.invitations.revokeInvitation(adv, group.slug, revoked.invitation.id);
    const short = await services.invitations.createInvitation(adv, group.slug, {
      kind: 'link',
      maxUses: 1,
      days: 1,
    });
    const bound = await services.invitations.createInvitation(adv, group.slug, {
      kind: 'email',
      email: 'intended@example.test',
    });
    const other = await createUser();
    const otherAgent = await signIn(other.email);

    const bodies: string[] = [];
    const check = async (agent: Agent, token: string) => {
      const res = await agent.get(`/invitations/${token}`).set('Accept', 'text/html');
      expect(res.status).toBe(404);
      expect(res.text).toContain(en.invitations.invalid.slice(0, 40));
      bodies.push(normalise(res.text));
    };
    await check(request.agent(app), 'B'.repeat(43));
    await check(request.agent(app), revoked.token);
    await check(otherAgent, bound.token);
    deps.clock.advance(2 * 86_400_000);
    await check(request.agent(app), short.token);
    deps.clock.set(new Date('2026-03-02T10:00:00Z'));
    // The signed-in page has the sign-out form in its header; compare like with like.
    expect(bodies[0]).toBe(bodies[1]);
    expect(bodies[1]).toBe(bodies[3]);
    expect(bodies[2]).not.toContain('intended@example.test');
  });
});
