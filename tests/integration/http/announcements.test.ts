import type { Socket as ClientSocket } from 'socket.io-client';
import request from 'supertest';
import { Group, Post, type GroupDoc, type UserDoc } from '../../../models';
import { schedulerTick } from '../../../server/services/scheduler';
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
  socketFor,
  startTestApp,
  type SignedInAgent,
  type TestApp,
} from '../../helpers/test-app';

/**
 * Announcements as people meet them in the browser (without JavaScript): banners on every page
 * and dismissing them, group banners only inside the group, pins, moderators' notes rendered
 * safely, the content calendar and a scheduled post going out, the quiet-group warning.
 */
let t: TestApp;
const sockets: ClientSocket[] = [];
beforeAll(async () => {
  t = await startTestApp({ name: 'http-announcements' });
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await t.close();
});
beforeEach(() => t.deps.clock.set(new Date('2026-03-02T10:00:00Z'))); // Monday 10:00 Dublin

let counter = 0;
const key = () => `http-ann-${Date.now()}-${(counter += 1)}`;

async function agentFor(user: UserDoc, staff = false): Promise<SignedInAgent> {
  const secret = staff ? await enableTotp(user._id) : undefined;
  return signIn(
    t.baseUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
}

async function world() {
  const group = await createGroup({ name: 'Living Well Together' });
  const [moderator, member, outsider] = await Promise.all([
    createUser({ displayName: 'Deirdre' }),
    createUser({ displayName: 'Maeve' }),
    createUser({ displayName: 'Stranger' }),
  ]);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(member, group);
  const elsewhere = await createGroup();
  await addMember(outsider, elsewhere);
  return {
    group,
    moderator,
    member,
    outsider,
    mod: await agentFor(moderator, true),
    memberAgent: await agentFor(member),
    outsiderAgent: await agentFor(outsider),
  };
}

async function publishedPost(group: GroupDoc, author: UserDoc, moderator: UserDoc, body: string) {
  const stored = await t.services.posts.submitPost(actorFor(author), {
    group: group.slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: true,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(moderator), { postId: stored.post.id, version: 1 });
  return stored.post.id;
}

const bannerIdIn = (html: string, text: string) =>
  new RegExp(`id="banner-([0-9a-f]{24})"[^]*?${text}`).exec(html)?.[1];

it('an administrator’s banner shows on every signed-in page; dismissed by a form post, back when changed', async () => {
  const admin = await createUser({ siteRole: 'admin' });
  const adminAgent = await agentFor(admin, true);
  const { memberAgent, group } = await world();
  const text = `Harbour will be down for maintenance tonight ${key()}`;
  await adminAgent.get('/admin/banners').expect(200);
  const created = await adminAgent
    .post('/admin/banners')
    .type('form')
    .send({ _csrf: adminAgent.csrf(), kind: 'status', text, startsAt: '', endsAt: '' });
  expect(created.status).toBe(303);

  for (const path of ['/', '/account', `/g/${group.slug}/conversation`, '/notifications']) {
    const page = await memberAgent.get(path).expect(200);
    expect(page.text).toContain(text);
    expect(page.text).toContain('aria-label="Dismiss this notice: Service status"');
  }
  // Not for visitors who are not signed in.
  expect((await request(t.baseUrl).get('/login')).text).not.toContain(text);

  const home = await memberAgent.get('/').expect(200);
  const id = bannerIdIn(home.text, text);
  expect(id).toBeDefined();
  const dismissed = await memberAgent
    .post(`/banners/${id}/dismiss`)
    .type('form')
    .send({ _csrf: memberAgent.csrf(), revision: '1', returnTo: '/account' });
  expect(dismissed.status).toBe(303);
  expect(dismissed.headers.location).toBe('/account');
  expect((await memberAgent.get('/').expect(200)).text).not.toContain(text);
  // Another site is never a place to return to.
  const offsite = await memberAgent
    .post(`/banners/${id}/dismiss`)
    .type('form')
    .send({ _csrf: memberAgent.csrf(), revision: '1', returnTo: '//evil.example/' });
  expect(offsite.headers.location).toBe('/');

  const edit = await adminAgent.get(`/admin/banners/${id}/edit`).expect(200);
  const startsAt = /name="startsAt"[^>]*value="([^"]*)"/.exec(edit.text)?.[1] ?? '';
  const changed = await adminAgent
    .post(`/admin/banners/${id}`)
    .type('form')
    .send({
      _csrf: adminAgent.csrf(),
      revision: '1',
      kind: 'crisis',
      text: `${text} – now until 23:00`,
      startsAt,
      endsAt: '',
    });
  expect(changed.status).toBe(303);
  expect((await memberAgent.get('/').expect(200)).text).toContain(`${text} – now until 23:00`);

  // With JavaScript the same happens over JSON.
  const api = await memberAgent
    .post(`/api/banners/${id}/dismiss`)
    .set('x-csrf-token', memberAgent.csrf())
    .send({ revision: 2 });
  expect(api.status).toBe(200);
  expect((await memberAgent.get('/').expect(200)).text).not.toContain(text);

  // A mistake is shown on the form again with what was typed.
  const bad = await adminAgent.post('/admin/banners').type('form').send({
    _csrf: adminAgent.csrf(),
    kind: 'info',
    text: 'Back soon',
    startsAt: '2026-03-05T10:00',
    endsAt: '2026-03-04T10:00',
  });
  expect(bad.status).toBe(422);
  expect(bad.text).toContain('The end must be after the start.');
  expect(bad.text).toContain('Back soon');
  // Members cannot reach the administrators' page.
  await memberAgent.get('/admin/banners').expect(404);
});

it('a group banner appears on the group’s pages for its members only; outsiders get 404 on its management', async () => {
  const { group, mod, memberAgent, outsiderAgent } = await world();
  const text = `Thursday meeting moved to Friday ${key()}`;
  await mod.get(`/g/${group.slug}/banners`).expect(200);
  const created = await mod
    .post(`/g/${group.slug}/banners`)
    .type('form')
    .send({ _csrf: mod.csrf(), kind: 'info', text, startsAt: '', endsAt: '2026-03-06T18:00' });
  expect(created.status).toBe(303);
  const conversation = await memberAgent.get(`/g/${group.slug}/conversation`).expect(200);
  expect(conversation.text).toContain(text);
  // Outside the group's pages it is not shown, even to members.
  expect((await memberAgent.get('/').expect(200)).text).not.toContain(text);
  // Outsiders: nothing on the group's paths (which answer 404 as for a missing group).
  for (const path of [`/g/${group.slug}/conversation`, `/g/${group.slug}/banners`]) {
    const page = await outsiderAgent.get(path);
    expect(page.status).toBe(404);
    expect(page.text).not.toContain(text);
  }
  await memberAgent.get(`/g/${group.slug}/banners`).expect(404);
  const posted = await outsiderAgent
    .post(`/g/${group.slug}/banners`)
    .type('form')
    .send({ _csrf: outsiderAgent.csrf(), kind: 'info', text: 'Intruder' });
  expect(posted.status).toBe(404);

  // The moderator ends it early; it is gone.
  const list = await mod.get(`/g/${group.slug}/banners`).expect(200);
  const id = /\/banners\/([0-9a-f]{24})\/end/.exec(list.text)?.[1];
  await mod
    .post(`/g/${group.slug}/banners/${id}/end`)
    .type('form')
    .send({ _csrf: mod.csrf() })
    .expect(303);
  expect((await memberAgent.get(`/g/${group.slug}/conversation`)).text).not.toContain(text);
});

it('pins: the pinned region at the top, a clear message beyond the cap', async () => {
  const { group, moderator, member, mod, memberAgent } = await world();
  const ids: string[] = [];
  for (let i = 1; i <= 4; i++) {
    ids.push(await publishedPost(group, member, moderator, `Worth keeping ${i}`));
  }
  const page = await mod.get(`/g/${group.slug}/conversation`).expect(200);
  expect(page.text).toContain(`/g/${group.slug}/posts/${ids[0]}/pin`);
  for (const id of ids.slice(0, 3)) {
    const r = await mod
      .post(`/g/${group.slug}/posts/${id}/pin`)
      .type('form')
      .send({ _csrf: mod.csrf() });
    expect(r.status).toBe(303);
  }
  const fourth = await mod
    .post(`/g/${group.slug}/posts/${ids[3]}/pin`)
    .type('form')
    .send({ _csrf: mod.csrf() });
  expect(fourth.status).toBe(303);
  const after = await mod.get(`/g/${group.slug}/conversation`).expect(200);
  expect(after.text).toContain('At most 3 posts can be pinned at once.');

  const seen = await memberAgent.get(`/g/${group.slug}/conversation`).expect(200);
  const region = /<section class="pinned"[^]*?<\/section>/.exec(seen.text)?.[0] ?? '';
  expect(region).toContain('aria-labelledby="pinned-title"');
  expect(region).toContain('Worth keeping 1');
  expect(region).toContain('Worth keeping 3');
  expect(region).not.toContain('Worth keeping 4');
  // Members get no pin or unpin buttons.
  expect(seen.text).not.toContain('/unpin');
  expect(seen.text).not.toContain(`/posts/${ids[3]}/pin`);
  const byMember = await memberAgent
    .post(`/g/${group.slug}/posts/${ids[3]}/pin`)
    .type('form')
    .send({ _csrf: memberAgent.csrf() });
  expect(byMember.status).toBe(404);
});

it('a moderator’s note renders as text with safe links; a non-http link is refused', async () => {
  const { group, moderator, member, mod, memberAgent } = await world();
  const id = await publishedPost(group, member, moderator, 'This herbal cure shrank my tumour');
  const editor = await mod.get(`/g/${group.slug}/posts/${id}/note`).expect(200);
  expect(editor.text).toContain('This herbal cure shrank my tumour');

  const refused = await mod.post(`/g/${group.slug}/posts/${id}/note`).type('form').send({
    _csrf: mod.csrf(),
    body: 'Please see the evidence.',
    url1: 'javascript:alert(document.cookie)',
  });
  expect(refused.status).toBe(422);
  expect(refused.text).toContain('Use a full web address starting with https://');
  expect(refused.text).toContain('Please see the evidence.');
  expect((await Post.findById(id).lean())?.modNote ?? null).toBeNull();

  const hostile = '<img src=x onerror=alert(1)> "quoted" & <script>alert(2)</script>';
  const saved = await mod.post(`/g/${group.slug}/posts/${id}/note`).type('form').send({
    _csrf: mod.csrf(),
    body: hostile,
    url1: 'https://www.cancer.ie/cancer-information/"onmouseover="alert(3)',
    label1: '<b>Irish Cancer Society</b>',
    url2: '',
    label2: '',
  });
  expect(saved.status).toBe(303);
  expect(saved.headers.location).toBe(`/g/${group.slug}/conversation#post-${id}`);

  const page = await memberAgent.get(`/g/${group.slug}/conversation`).expect(200);
  const note = /<aside class="mod-note"[^]*?<\/aside>/.exec(page.text)?.[0] ?? '';
  expect(note).toContain('Moderator’s note');
  expect(note).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(note).toContain('&lt;script&gt;');
  expect(note).not.toContain('<script');
  expect(note).not.toContain('<img');
  expect(note).not.toContain('<b>');
  const link = /<a href="([^"]*)" rel="([^"]*)">([^<]*)<\/a>/.exec(note);
  expect(link?.[1]).toBe('https://www.cancer.ie/cancer-information/%22onmouseover=%22alert(3)');
  expect(link?.[2]).toBe('noopener noreferrer nofollow');
  expect(link?.[3]).toBe('&lt;b&gt;Irish Cancer Society&lt;/b&gt;');

  await mod
    .post(`/g/${group.slug}/posts/${id}/note/remove`)
    .type('form')
    .send({ _csrf: mod.csrf() })
    .expect(303);
  expect((await memberAgent.get(`/g/${group.slug}/conversation`)).text).not.toContain(
    'class="mod-note"',
  );
  await memberAgent.get(`/g/${group.slug}/posts/${id}/note`).expect(404);
});

it('the calendar schedules an announcement; members see it only after the scheduler publishes it, live once', async () => {
  const { group, mod, memberAgent } = await world();
  const calendar = await mod.get(`/g/${group.slug}/calendar`).expect(200);
  expect(calendar.text).toContain('Nothing is scheduled.');
  const idempotencyKey = /name="idempotencyKey" value="([^"]+)"/.exec(calendar.text)?.[1] ?? '';
  const body = `Welcome to spring: our new meeting times ${key()}`;
  const form = {
    _csrf: mod.csrf(),
    body,
    publishAt: '2026-03-03T09:30',
    idempotencyKey,
  };
  const first = await mod.post(`/g/${group.slug}/calendar`).type('form').send(form);
  expect(first.status).toBe(303);
  // A double click stores it once.
  await mod.post(`/g/${group.slug}/calendar`).type('form').send(form).expect(303);
  expect(await Post.countDocuments({ group: group._id, status: 'scheduled' })).toBe(1);

  const listed = await mod.get(`/g/${group.slug}/calendar`).expect(200);
  expect(listed.text).toContain('Scheduled for Tuesday 3 March, 9:30.');
  expect(listed.text).toContain('Tuesday 3 March');
  expect(listed.text).toContain(body);

  const socket = await socketFor(memberAgent);
  sockets.push(socket);
  const live: string[] = [];
  socket.on('post:published', (p: { body: string }) => live.push(p.body));

  const before = await memberAgent.get(`/g/${group.slug}/conversation`).expect(200);
  expect(before.text).not.toContain(body);
  await schedulerTick(t.deps, t.services);
  expect((await memberAgent.get(`/g/${group.slug}/conversation`)).text).not.toContain(body);

  t.deps.clock.set(new Date('2026-03-03T09:30:00Z'));
  await Promise.all([schedulerTick(t.deps, t.services), schedulerTick(t.deps, t.services)]);
  await schedulerTick(t.deps, t.services);
  const after = await memberAgent.get(`/g/${group.slug}/conversation`).expect(200);
  expect(after.text).toContain(body);
  expect(after.text).toContain('badge-announcement');
  const until = Date.now() + 3000;
  while (live.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  expect(live).toEqual([body]);

  // The calendar now lists it as published; members cannot open the calendar.
  const recent = await mod.get(`/g/${group.slug}/calendar`).expect(200);
  expect(recent.text).toContain('Published Tuesday 3 March, 9:30');
  await memberAgent.get(`/g/${group.slug}/calendar`).expect(404);
});

it('a time in the past is refused on the form, which keeps the text', async () => {
  const { group, mod } = await world();
  const refused = await mod.post(`/g/${group.slug}/calendar`).type('form').send({
    _csrf: mod.csrf(),
    body: 'Too late for this',
    publishAt: '2026-03-01T09:00',
    idempotencyKey: key(),
  });
  expect(refused.status).toBe(422);
  expect(refused.text).toContain('Please choose a time later than now.');
  expect(refused.text).toContain('Too late for this');
});

it('the quiet-group warning shows on the queue and moderation pages after the set days', async () => {
  const { group, moderator, member, mod } = await world();
  await Group.collection.updateOne(
    { _id: group._id },
    { $set: { createdAt: new Date('2026-01-01T00:00:00Z') } },
  );
  await publishedPost(group, member, moderator, 'Last news for a while');
  const warning = 'This group has had no new approved post for';
  expect((await mod.get(`/g/${group.slug}/queue`).expect(200)).text).not.toContain(warning);

  t.deps.clock.set(new Date('2026-03-09T10:00:00Z'));
  // Re-sign in after a week (the session's idle limit); the second factor uses the new time.
  const later = await agentFor(moderator, true);
  for (const path of ['queue', 'reports', 'calendar']) {
    const page = await later.get(`/g/${group.slug}/${path}`).expect(200);
    expect(page.text).toContain(`${warning} 7 days`);
  }
  // Not on the members' conversation page.
  const memberLater = await agentFor(member);
  expect((await memberLater.get(`/g/${group.slug}/conversation`)).text).not.toContain(warning);

  const saved = await later
    .post(`/g/${group.slug}/quiet-warning`)
    .type('form')
    .send({ _csrf: later.csrf(), days: '14' });
  expect(saved.status).toBe(303);
  expect((await later.get(`/g/${group.slug}/queue`)).text).not.toContain(warning);
});
