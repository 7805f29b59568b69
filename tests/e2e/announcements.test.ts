import type { Browser } from 'playwright-core';
import { Types } from 'mongoose';
import { postNoteSchema } from '../../server/schemas/announcements';
import { actorFor, addMember, createGroup, createUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import {
  DESKTOP,
  PHONE,
  Session,
  launchBrowser,
  pageWidth,
  seriousAxeViolations,
  signInFast,
} from './harness';

/**
 * Announcements in the browser: banners, the pinned region and a moderator's note pass axe on a
 * 360 px phone (light and dark); dismissing a banner with JavaScript removes it without leaving
 * the page and keeps focus; a pin and a note made by another moderator arrive live.
 */
let t: TestApp;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-announcements' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await browser?.close();
  await t?.close();
});

async function open(
  user: Awaited<ReturnType<typeof createUser>>,
  staff = false,
  colorScheme: 'light' | 'dark' = 'light',
  viewport = PHONE,
) {
  const s = await Session.open(browser, viewport, colorScheme);
  sessions.push(s);
  await signInFast(t, s, user, { staff });
  return s;
}

async function setUp() {
  const group = await createGroup({ name: 'Living Well Together' });
  const [admin, moderator, member] = await Promise.all([
    createUser({ displayName: 'Site admin', siteRole: 'admin' }),
    createUser({ displayName: 'Deirdre' }),
    createUser({ displayName: 'Maeve' }),
  ]);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(member, group);
  const stored = await t.services.posts.submitPost(actorFor(member), {
    group: group.slug,
    body: 'Has anyone tried apricot kernels? A friend swears by them.',
    idempotencyKey: new Types.ObjectId().toHexString(),
    acknowledgedFindings: true,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(moderator), { postId: stored.post.id, version: 1 });
  return { group, admin, moderator, member, postId: stored.post.id };
}

it('banners, the pinned region and a note pass axe on a phone; dismissing needs no reload', async () => {
  const { group, admin, moderator, member, postId } = await setUp();
  await t.services.banners.createSiteBanner(actorFor(admin), {
    kind: 'status',
    text: 'Harbour will be down for maintenance on Sunday from 22:00 to 23:00.',
  });
  await t.services.banners.createGroupBanner(actorFor(moderator), {
    group: group.slug,
    kind: 'crisis',
    text: 'If you are in crisis tonight, call 112 or the Samaritans on 116 123.',
  });
  await t.services.pins.pinPost(actorFor(moderator), { postId });
  await t.services.postNotes.setNote(
    actorFor(moderator),
    postNoteSchema.parse({
      postId,
      body: 'Apricot kernels do not treat cancer and can cause cyanide poisoning.',
      links: [{ url: 'https://www.cancer.ie/', label: 'Irish Cancer Society' }],
    }),
  );
  await t.services.announcements.scheduleAnnouncement(actorFor(moderator), {
    group: group.slug,
    body: 'Our spring meeting is on Thursday at 19:00.',
    publishAt: '2026-03-05T10:00',
    idempotencyKey: new Types.ObjectId().toHexString(),
  });

  const g = `/g/${group.slug}`;
  const problems: unknown[] = [];
  const check = async (s: Session, paths: string[]) => {
    for (const path of paths) {
      s.problems.length = 0;
      await s.page.goto(`${t.baseUrl}${path}`);
      await s.page.waitForLoadState('networkidle');
      const violations = await seriousAxeViolations(s.page);
      const width = await pageWidth(s.page);
      if (violations.length || width > 360 || s.problems.length) {
        problems.push({ path, violations, width, console: [...s.problems] });
      }
    }
  };
  const mod = await open(moderator, true);
  await check(mod, [
    `${g}/conversation`,
    `${g}/banners`,
    `${g}/calendar`,
    `${g}/posts/${postId}/note`,
  ]);
  const adminSession = await open(admin, true);
  await check(adminSession, ['/admin', '/admin/banners']);
  const dark = await open(member, false, 'dark');
  await check(dark, ['/', `${g}/conversation`]);
  expect(problems).toEqual([]);

  // The member reads both banners, the pinned post and the note with its source.
  const s = await open(member);
  const { page } = s;
  await page.goto(`${t.baseUrl}${g}/conversation`);
  await page.waitForLoadState('networkidle');
  await expect(page.locator('.banner').count()).resolves.toBe(2);
  const pinned = page.locator('section.pinned');
  await expect(pinned.getByRole('heading', { name: 'Pinned' }).isVisible()).resolves.toBe(true);
  await expect(pinned.locator('.mod-note a').getAttribute('rel')).resolves.toBe(
    'noopener noreferrer nofollow',
  );
  // Not yet published: the scheduled announcement is nowhere on the member's page.
  await expect(page.content()).resolves.not.toContain('Our spring meeting');

  // Dismissing with JavaScript: the page stays (a marker on window survives), focus moves on.
  await page.evaluate(() => ((window as unknown as { stay: number }).stay = 1));
  const status = page.locator('.banner-status');
  await status.getByRole('button', { name: 'Dismiss this notice: Service status' }).click();
  await status.waitFor({ state: 'detached' });
  await expect(page.evaluate(() => (window as unknown as { stay?: number }).stay)).resolves.toBe(1);
  // Focus moves to the next notice's button (the group's crisis update), never lost.
  await expect(
    page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
  ).resolves.toBe('Dismiss this notice: Crisis update');
  await page.keyboard.press('Enter');
  await page.locator('.banner-list').waitFor({ state: 'detached' });
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');
  await page.reload();
  await page.waitForLoadState('networkidle');
  await expect(page.locator('.banner').count()).resolves.toBe(0);
  expect(s.problems).toEqual([]);
}, 120_000);

it('a pin and a moderator’s note made elsewhere appear live; a dismissal works without JavaScript', async () => {
  const { group, admin, moderator, member, postId } = await setUp();
  const s = await open(member, false, 'light', DESKTOP);
  const { page } = s;
  await page.goto(`${t.baseUrl}/g/${group.slug}/conversation`);
  await page.waitForLoadState('networkidle');
  await expect(page.locator('section.pinned').isHidden()).resolves.toBe(true);

  await t.services.pins.pinPost(actorFor(moderator), { postId });
  await page.locator('section.pinned .pinned-post').waitFor();
  await t.services.postNotes.setNote(
    actorFor(moderator),
    postNoteSchema.parse({
      postId,
      body: 'There is no evidence for this.',
      links: [{ url: 'https://www.hse.ie/' }],
    }),
  );
  await page.locator(`#post-${postId} .mod-note`, { hasText: 'There is no evidence' }).waitFor();
  await expect(page.locator(`#post-${postId} .mod-note a`).textContent()).resolves.toBe(
    'www.hse.ie',
  );
  await t.services.pins.unpinPost(actorFor(moderator), { postId });
  await page.locator('section.pinned').waitFor({ state: 'hidden' });
  expect(s.problems).toEqual([]);

  // Without JavaScript, the dismiss button is a plain form post back to the same page.
  await t.services.banners.createSiteBanner(actorFor(admin), {
    kind: 'info',
    text: 'New: you can now choose daily e-mail summaries.',
  });
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
  const cookies = await s.context.cookies();
  await context.addCookies(cookies);
  const plain = await context.newPage();
  await plain.goto(`${t.baseUrl}/account`);
  await Promise.all([
    plain.waitForEvent('load'),
    plain.getByRole('button', { name: 'Dismiss this notice: Information' }).click(),
  ]);
  expect(new URL(plain.url()).pathname).toBe('/account');
  await expect(plain.locator('.banner-info').count()).resolves.toBe(0);
  await expect(plain.content()).resolves.toContain('Notice dismissed.');
  await context.close();
}, 120_000);
