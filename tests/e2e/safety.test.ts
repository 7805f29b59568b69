import type { Browser } from 'playwright-core';
import { actorFor, addMember, createGroup, createUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { Session, launchBrowser, sendPost, signInFast } from './harness';

/**
 * Safety in the browser: a gentle nudge before a personal medical question goes out, support
 * contacts at once after crisis language, and a removed member cut off live.
 */
let t: TestApp;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-safety' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await browser?.close();
  await t?.close();
});

async function memberPage(path: string, user: Awaited<ReturnType<typeof createUser>>) {
  const s = await Session.open(browser);
  sessions.push(s);
  await signInFast(t, s, user);
  await s.page.goto(`${t.baseUrl}${path}`);
  await s.page.waitForLoadState('networkidle');
  return s;
}

it('nudges before a medical question, then shows support contacts at once after crisis language', async () => {
  const group = await createGroup();
  const member = await createUser({ displayName: 'Noreen' });
  await addMember(member, group);
  const s = await memberPage(`/g/${group.slug}/conversation`, member);

  // A personal medical question: the composer asks first, in plain words, and keeps the text.
  await s.page.fill('#composer-body', 'Should I stop taking my tablets before the scan?');
  await s.page.click('#composer button[type="submit"]:not([name])');
  // The answer to sending is an alert (a quieter hint may already show while typing).
  const nudge = s.page.locator('#composer .nudge[role="alert"]');
  await nudge.waitFor();
  await expect(nudge.textContent()).resolves.toMatch(/care team|doctor|nurse/i);
  await expect(s.page.inputValue('#composer-body')).resolves.toContain('stop taking');
  await expect(s.page.locator('article.own').count()).resolves.toBe(0);
  // Sending again after reading the nudge sends it.
  await s.page.click('#composer button[type="submit"]:not([name])');
  await s.page.locator('article.own', { hasText: 'stop taking' }).waitFor();

  // Crisis language never waits for a confirmation: support contacts appear straight away.
  await sendPost(s.page, 'I do not want to wake up tomorrow, there is no point in going on.');
  const support = s.page.locator('#support');
  await support.waitFor();
  await expect(support.getAttribute('role')).resolves.toBe('alert');
  await expect(support.locator('li').count()).resolves.toBeGreaterThan(0);
  expect(s.problems).toEqual([]);
}, 60_000);

it('cuts a removed member off live: told why, can no longer write or react', async () => {
  const group = await createGroup();
  const [member, moderator] = await Promise.all([
    createUser({ displayName: 'Pauline' }),
    createUser({ displayName: 'Deirdre' }),
  ]);
  await addMember(member, group);
  await addMember(moderator, group, ['member', 'moderator']);
  const s = await memberPage(`/g/${group.slug}/conversation`, member);
  await s.page.fill('#composer-body', 'half-written');

  await t.services.memberships.removeMember(actorFor(moderator), group.slug, {
    userId: String(member._id),
    reason: 'Repeated breaches after warnings',
  });

  const notice = s.page.locator('#membership-notice');
  await notice.waitFor({ state: 'visible', timeout: 10_000 });
  await expect(notice.textContent()).resolves.toContain('no longer a member');
  await expect(s.page.locator('#composer-body').isDisabled()).resolves.toBe(true);
  await expect(
    s.page.locator('#composer button[type="submit"]').first().isDisabled(),
  ).resolves.toBe(true);
  // The staff reason is not shown to the member.
  await expect(s.page.locator('body').textContent()).resolves.not.toContain('Repeated breaches');
  // Coming back, the group is simply not there (404, like any group they cannot see).
  const response = await s.page.goto(`${t.baseUrl}/g/${group.slug}/conversation`);
  expect(response?.status()).toBe(404);
  expect(s.problems.filter((p) => !p.includes('404'))).toEqual([]);
}, 60_000);

it('says when the live connection drops, keeps the draft, and catches up once back', async () => {
  const group = await createGroup();
  const [member, author, moderator] = await Promise.all([createUser(), createUser(), createUser()]);
  await addMember(member, group);
  await addMember(author, group);
  await addMember(moderator, group, ['member', 'moderator']);
  const s = await memberPage(`/g/${group.slug}/conversation`, member);
  await s.page.fill('#composer-body', 'my draft in progress');

  // The server closes every connection (as on a restart) and a post is published meanwhile.
  t.io.disconnectSockets(true);
  const status = s.page.locator('#connection-status');
  await status.waitFor({ state: 'visible' });
  await expect(status.textContent()).resolves.toContain('reconnecting');
  const stored = await t.services.posts.submitPost(actorFor(author), {
    group: group.slug,
    body: 'Published while you were away',
    idempotencyKey: 'while-away-0001',
    acknowledgedFindings: false,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(moderator), {
    postId: stored.post.id,
    version: 1,
  });

  // Back on its own; the missed post arrives; the draft is untouched.
  // (The notice hides itself a few seconds later; its text stays for this check.)
  await s.page.locator('#connection-status', { hasText: 'Connected again' }).waitFor({
    state: 'attached',
    timeout: 15_000,
  });
  await s.page
    .locator('#threads article.post', { hasText: 'Published while you were away' })
    .waitFor();
  await expect(s.page.inputValue('#composer-body')).resolves.toBe('my draft in progress');
  expect(s.problems).toEqual([]);
}, 60_000);
