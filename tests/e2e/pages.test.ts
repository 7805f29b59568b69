import type { Browser } from 'playwright-core';
import { Types } from 'mongoose';
import { actorFor, addMember, createGroup, createUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import {
  PHONE,
  Session,
  launchBrowser,
  pageWidth,
  seriousAxeViolations,
  signInFast,
  type AxeViolation,
} from './harness';

/**
 * Every main page, for each kind of person, on a 360 px phone: no serious or critical axe-core
 * (WCAG 2.2 A/AA) violations, no sideways scrolling, no console errors or CSP violations. Then the
 * keyboard: skip link, visible focus, the queue worked without a mouse.
 */
let t: TestApp;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-pages' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await browser?.close();
  await t?.close();
});

async function as(
  user?: Awaited<ReturnType<typeof createUser>>,
  staff = false,
  colorScheme: 'light' | 'dark' = 'light',
) {
  const s = await Session.open(browser, PHONE, colorScheme);
  sessions.push(s);
  if (user) await signInFast(t, s, user, { staff });
  return s;
}

interface Finding {
  path: string;
  width: number;
  violations: AxeViolation[];
  problems: string[];
}

async function check(s: Session, paths: string[], findings: Finding[]) {
  for (const path of paths) {
    s.problems.length = 0;
    await s.page.goto(`${t.baseUrl}${path}`);
    await s.page.waitForLoadState('networkidle');
    findings.push({
      path,
      width: await pageWidth(s.page),
      violations: await seriousAxeViolations(s.page),
      // A 404 page is meant to answer 404; the browser logs that as a failed load.
      problems: s.problems.filter((p) => !/status of 404/.test(p)),
    });
  }
}

it('main pages pass axe, fit a 360 px phone and log no errors', async () => {
  const group = await createGroup({ name: 'Living Well Together' });
  const [admin, moderator, advocate, member, newcomer] = await Promise.all([
    createUser({ displayName: 'Site admin', siteRole: 'admin' }),
    createUser({ displayName: 'Deirdre' }),
    createUser({ displayName: 'Gráinne' }),
    createUser({ displayName: 'Maeve' }),
    createUser({ displayName: 'Tríona' }),
  ]);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(advocate, group, ['member', 'advocate']);
  await addMember(member, group);
  // A member added without consents: she sees the consent banner and the accept page.
  await t.services.groups.setRoles(actorFor(admin), String(group._id), {
    userId: String(newcomer._id),
    roles: ['member'],
  });

  // Some conversation: approved with a reply and a reaction, one waiting, one not published.
  const submit = (user: typeof member, body: string, parentId?: string) =>
    t.services.posts.submitPost(actorFor(user), {
      group: group.slug,
      body,
      parentId,
      idempotencyKey: new Types.ObjectId().toHexString(),
      acknowledgedFindings: true,
    });
  const first = await submit(member, 'Scan day tomorrow, wish me luck.');
  if (first.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(moderator), { postId: first.post.id, version: 1 });
  const reply = await submit(advocate, 'Thinking of you!', first.post.id);
  if (reply.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(moderator), { postId: reply.post.id, version: 1 });
  await t.services.posts.reactToPost(actorFor(advocate), { postId: first.post.id, kind: 'heart' });
  const rejected = await submit(member, 'Should I take double the dose?');
  if (rejected.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.rejectPost(actorFor(moderator), {
    postId: rejected.post.id,
    version: 1,
    ruleId: 'r-health',
    note: 'Please ask your care team.',
  });
  await submit(member, 'Anyone going to the Thursday session?');
  const invitation = await t.services.invitations.createInvitation(actorFor(advocate), group.slug, {
    kind: 'link',
    maxUses: 3,
  });
  await t.services.joinRequests.submitJoinRequest(
    { kind: 'visitor', requestId: 'e2e' },
    group.slug,
    { email: 'asking@example.test', answers: [], confirmAge: true },
  );

  const g = `/g/${group.slug}`;
  const findings: Finding[] = [];
  await check(
    await as(),
    [
      '/',
      '/login',
      '/login/forgot',
      `/reset/${'A'.repeat(43)}`,
      g,
      '/g/no-such-group',
      `/invitations/${invitation.token}`,
    ],
    findings,
  );
  await check(
    await as(member),
    ['/', `${g}/conversation`, '/notifications', `${g}/members`, '/account', `${g}/leave`],
    findings,
  );
  await check(await as(newcomer), [`${g}/conversation`, `${g}/accept`], findings);
  await check(await as(moderator, true), [`${g}/queue`, `${g}/documents`], findings);
  await check(await as(advocate, true), [`${g}/invitations`, `${g}/requests`], findings);
  await check(
    await as(admin, true),
    [
      '/admin',
      '/admin/groups',
      '/admin/groups/new',
      `/admin/groups/${String(group._id)}/edit`,
      `/admin/groups/${String(group._id)}/roles`,
      '/admin/documents',
      '/admin/audit',
      '/admin/outbox',
      '/account/two-factor',
    ],
    findings,
  );

  // The checker is not vacuous: an image without a text alternative is caught.
  const probe = sessions[0] as Session;
  await probe.page.goto(`${t.baseUrl}/login`);
  await probe.page.evaluate(() =>
    document.querySelector('main')?.append(document.createElement('img')),
  );
  expect((await seriousAxeViolations(probe.page)).map((v) => v.id)).toContain('image-alt');

  // The dark theme (following the device) keeps its contrast too.
  await check(
    await as(moderator, true, 'dark'),
    ['/', `${g}/conversation`, `${g}/queue`],
    findings,
  );
  await check(await as(undefined, false, 'dark'), [g, '/login'], findings);

  const bad = findings.filter((f) => f.width > 360 || f.violations.length || f.problems.length);
  expect(bad).toEqual([]);
  expect(findings.length).toBeGreaterThanOrEqual(29);
}, 120_000);

it('works with the keyboard alone: skip link, visible focus, deciding in the queue', async () => {
  const group = await createGroup();
  const [moderator, member] = await Promise.all([createUser(), createUser()]);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(member, group);
  for (const body of ['First waiting post', 'Second waiting post']) {
    await t.services.posts.submitPost(actorFor(member), {
      group: group.slug,
      body,
      idempotencyKey: new Types.ObjectId().toHexString(),
      acknowledgedFindings: false,
    });
  }
  const s = await as(moderator, true);
  const { page } = s;
  await page.goto(`${t.baseUrl}/g/${group.slug}/queue`);
  await page.waitForLoadState('networkidle');

  // The first Tab reaches the skip link, shown on screen; Enter moves focus to the main content.
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const box = el.getBoundingClientRect();
    return { cls: el.className, left: box.left, top: box.top };
  });
  expect(skip.cls).toBe('skip-link');
  expect(skip.left).toBeGreaterThanOrEqual(0);
  await page.keyboard.press('Enter');
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');

  // Focus is always visible: a focused link has a thick outline.
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement as Element);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(outline.style).not.toBe('none');
  expect(outline.width).toBeGreaterThanOrEqual(2);

  // j selects the first item; r asks for the rule; the rest is ordinary keyboard use.
  await page.keyboard.press('j');
  await expect(
    page.evaluate(() => document.activeElement?.classList.contains('queue-item')),
  ).resolves.toBe(true);
  await page.keyboard.press('r');
  await expect(
    page.evaluate(() => (document.activeElement as HTMLSelectElement).name),
  ).resolves.toBe('ruleId');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Please keep it kind.');
  // Past the note tools (saved replies, privacy statement), Tab reaches the decision button.
  let focused: string | undefined;
  for (let i = 0; i < 8 && focused !== 'Do not publish'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  }
  expect(focused).toBe('Do not publish');
  await page.keyboard.press('Enter');
  await page
    .locator('.queue-item', { hasText: 'First waiting post' })
    .waitFor({ state: 'detached' });
  // Announced in the live region (politely, a moment after the change).
  await page.locator('#live', { hasText: 'Not published' }).waitFor();

  // The single-key shortcuts can be switched off (WCAG 2.1.4), and the choice is kept.
  await page.focus('#shortcuts-on');
  await page.keyboard.press('Space');
  await page.reload();
  await page.waitForLoadState('networkidle');
  await expect(page.isChecked('#shortcuts-on')).resolves.toBe(false);
  await page.locator('body').press('j');
  await expect(page.locator('.queue-item.selected').count()).resolves.toBe(0);
  expect(s.problems).toEqual([]);
}, 60_000);

it('keeps a moderator’s unfinished decision when the queue refreshes live', async () => {
  const group = await createGroup();
  const [moderator, member] = await Promise.all([createUser(), createUser()]);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(member, group);
  const send = (body: string) =>
    t.services.posts.submitPost(actorFor(member), {
      group: group.slug,
      body,
      idempotencyKey: new Types.ObjectId().toHexString(),
      acknowledgedFindings: false,
    });
  await send('A post to decide');
  const s = await as(moderator, true);
  await s.page.goto(`${t.baseUrl}/g/${group.slug}/queue`);
  await s.page.waitForLoadState('networkidle');
  const item = s.page.locator('.queue-item', { hasText: 'A post to decide' });
  await item.locator('select[name="ruleId"]').selectOption('r-kind');
  await item.locator('form[data-action="reject"] textarea[name="note"]').fill('Half-written note');
  await s.page.locator('h1').click(); // focus leaves the form

  // Another post arrives: the list is re-rendered from the server, the work in progress kept.
  await send('Another post arrives');
  await s.page.locator('.queue-item', { hasText: 'Another post arrives' }).waitFor();
  await expect(item.locator('select[name="ruleId"]').inputValue()).resolves.toBe('r-kind');
  await expect(
    item.locator('form[data-action="reject"] textarea[name="note"]').inputValue(),
  ).resolves.toBe('Half-written note');
  expect(s.problems).toEqual([]);
}, 60_000);
