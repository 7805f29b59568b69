import type { Browser } from 'playwright-core';
import { actorFor, addMember, createGroup, createUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { launchBrowser, seriousAxeViolations, Session, signInFast } from './harness';

/**
 * Topics in a real browser at phone width: choosing a topic in the live composer, the label on
 * posts, and the filter (live posts of other topics stay out while it is on; the control works).
 */
let t: TestApp;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-topics' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await browser?.close();
  await t.close();
});

it('a topic is chosen live, shown as a label, and the filter keeps other topics out', async () => {
  const group = await createGroup();
  const [author, reader, mod] = await Promise.all([createUser(), createUser(), createUser()]);
  await addMember(author, group);
  await addMember(reader, group);
  await addMember(mod, group, ['member', 'moderator']);
  const approve = (postId: string) =>
    t.services.reviews.approvePost(actorFor(mod), { postId, version: 1 });
  // One thread about treatment is already there.
  const first = await t.services.posts.submitPost(actorFor(author), {
    group: group.slug,
    body: 'Starting a new treatment next week',
    idempotencyKey: 'e2e-topics-first-post',
    acknowledgedFindings: false,
    topic: 'treatment',
  });
  if (first.status !== 'stored') throw new Error('not stored');
  await approve(first.post.id);

  const url = `${t.baseUrl}/g/${group.slug}/conversation`;
  const writer = await Session.open(browser);
  const filtered = await Session.open(browser);
  sessions.push(writer, filtered);
  await signInFast(t, writer, author);
  await signInFast(t, filtered, reader);
  await writer.page.goto(url);
  await filtered.page.goto(`${url}?topic=treatment`);
  await Promise.all([
    writer.page.waitForLoadState('networkidle'),
    filtered.page.waitForLoadState('networkidle'),
  ]);
  await filtered.page.locator('#topic-showing', { hasText: 'Treatment' }).waitFor();
  await filtered.page
    .locator('article.post', { hasText: 'Starting a new treatment' })
    .locator('.badge-topic', { hasText: 'Treatment' })
    .waitFor();

  // The author picks "Celebrations" in the live composer; the waiting post shows the label.
  await writer.page.selectOption('#composer-topic', 'celebrations');
  await writer.page.fill('#composer-body', 'Scan was clear, we are celebrating');
  await writer.page.click('#composer button[type="submit"]:not([name])');
  const waiting = writer.page.locator('article.own', { hasText: 'Scan was clear' });
  await waiting.locator('.badge-topic', { hasText: 'Celebrations' }).waitFor();
  const celebration = await t.services.reviews.listQueue(actorFor(mod), { group: group.slug });
  const celebrationItem = celebration.items.find((i) => i.body.startsWith('Scan was clear'));
  expect(celebrationItem?.topic).toBe('celebrations');
  await approve(celebrationItem?.id as string);

  // Then a treatment post is approved: it arrives live on the filtered page...
  const second = await t.services.posts.submitPost(actorFor(author), {
    group: group.slug,
    body: 'Day one of the new treatment went fine',
    idempotencyKey: 'e2e-topics-second-post',
    acknowledgedFindings: false,
    topic: 'treatment',
  });
  if (second.status !== 'stored') throw new Error('not stored');
  await approve(second.post.id);
  await filtered.page.locator('#threads article.post', { hasText: 'Day one' }).waitFor();
  // ...and the celebration, published before it, never appeared there.
  await expect(filtered.page.locator('body').textContent()).resolves.not.toContain(
    'Scan was clear',
  );
  // Unfiltered, the author sees it published with its label.
  await writer.page
    .locator('#threads article.post', { hasText: 'Scan was clear' })
    .locator('.badge-topic', { hasText: 'Celebrations' })
    .waitFor();

  // A moderator moves the published celebration to "Everyday life": the label follows, live.
  await t.services.topics.setPostTopic(actorFor(mod), {
    postId: celebrationItem?.id as string,
    topic: 'everyday-life',
  });
  await writer.page
    .locator('#threads article.post', { hasText: 'Scan was clear' })
    .locator('.badge-topic', { hasText: 'Everyday life' })
    .waitFor();

  expect(await seriousAxeViolations(filtered.page)).toEqual([]);

  // The filter control: "All topics" shows everything again.
  await filtered.page.selectOption('#topic-filter-select', '');
  await Promise.all([
    filtered.page.waitForURL(
      (u) => u.pathname.endsWith('/conversation') && !u.search.includes('treatment'),
    ),
    filtered.page.click('#topic-filter button[type="submit"]'),
  ]);
  await filtered.page.locator('#threads article.post', { hasText: 'Scan was clear' }).waitFor();
  expect(writer.problems).toEqual([]);
  expect(filtered.problems).toEqual([]);
}, 60_000);

it('moderators’ new pages work in the browser: topics, the coverage chart, discussion charts', async () => {
  const group = await createGroup();
  const mod = await createUser();
  await addMember(mod, group, ['member', 'moderator']);
  const staff = await Session.open(browser);
  sessions.push(staff);
  await signInFast(t, staff, mod, { staff: true });
  const page = staff.page;

  // Topics page: add one through the form, then it is listed.
  await page.goto(`${t.baseUrl}/g/${group.slug}/topics`);
  await page.fill('#topic-new', 'Family and friends');
  await Promise.all([page.waitForURL(/\/topics$/), page.click('form[action$="/topics"] button')]);
  await page.locator('#topic-list li', { hasText: 'Family and friends' }).waitFor();
  expect(await seriousAxeViolations(page)).toEqual([]);

  // Chart.js draws on the rota page and on insights (no inline script, no CSP violation).
  const drawn = (id: string) =>
    page.evaluate((canvasId) => {
      const chart = (globalThis as { Chart?: { getChart(c: unknown): unknown } }).Chart;
      const canvas = document.getElementById(canvasId);
      return !!chart && !!canvas && !!chart.getChart(canvas);
    }, id);
  await page.goto(`${t.baseUrl}/g/${group.slug}/rota`);
  await page.waitForLoadState('networkidle');
  await expect(drawn('chart-coverage')).resolves.toBe(true);
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.goto(`${t.baseUrl}/g/${group.slug}/insights?days=30`);
  await page.waitForLoadState('networkidle');
  await expect(drawn('chart-replies')).resolves.toBe(true);
  await expect(drawn('chart-returning')).resolves.toBe(true);
  expect(await seriousAxeViolations(page)).toEqual([]);
  expect(staff.problems).toEqual([]);
}, 60_000);
