import { readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchBrowser } from './harness';
import { Handbook, type UserDoc } from '../../models';
import { TEST_PASSWORD, actorFor, addMember, createGroup, createUser } from '../helpers/factories';
import { enableTotp, signIn, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * The moderators' toolkit in a real browser (Debian's chromium): the reports tab updates live,
 * saved replies and the privacy statement fill a note, the insights charts draw with Chart.js
 * served by the app under the strict CSP, and axe finds no serious accessibility problem.
 */
let t: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let n = 0;
const key = () => `e2e-moderation-${Date.now()}-${(n += 1)}`;

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-moderation' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await t.close();
});

async function open(user: UserDoc, path: string, moderator = false): Promise<Page> {
  const secret = moderator ? await enableTotp(user._id) : undefined;
  const agent = await signIn(
    t.baseUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
  const [name, ...rest] = agent.cookie().split('=');
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  contexts.push(context);
  await context.addCookies([
    { name: name as string, value: rest.join('='), url: t.baseUrl, httpOnly: true },
  ]);
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  await page.goto(`${t.baseUrl}${path}`);
  return page;
}

/** axe-core violations of serious or critical impact (evaluated through the debugger, not a tag). */
async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{
            violations: Array<{ id: string; impact: string | null; nodes: unknown[] }>;
          }>;
        };
      }
    ).axe;
    const r = await axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, count: v.nodes.length }));
  });
  return result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.count})`);
}

it('reports arrive live, notes fill from saved replies and the privacy statement, charts draw, axe is clean', async () => {
  const group = await createGroup();
  const [author, reader, mod] = await Promise.all([createUser(), createUser(), createUser()]);
  await addMember(author, group);
  await addMember(reader, group);
  await addMember(mod, group, ['member', 'moderator']);
  await Handbook.create({
    group: group._id,
    savedReplies: [{ title: 'Care team', body: 'Please ask your own care team.' }],
  });
  const stored = await t.services.posts.submitPost(actorFor(author), {
    group: group.slug,
    body: 'Nobody called me back for three days',
    idempotencyKey: key(),
    acknowledgedFindings: true,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(mod), {
    postId: stored.post.id,
    version: stored.post.version,
  });

  const reports = await open(mod, `/g/${group.slug}/reports`, true);
  await reports.waitForLoadState('networkidle');
  await expect(reports.locator('.report-item').count()).resolves.toBe(0);
  await t.services.reports.reportPost(actorFor(reader), {
    postId: stored.post.id,
    ruleId: 'r-kind',
    note: 'Sounds angry',
  });
  const item = reports.locator('.report-item', { hasText: 'Nobody called me back' });
  await item.waitFor({ timeout: 10_000 });
  await expect(item.textContent()).resolves.toContain('Sounds angry');
  expect(await axeProblems(reports)).toEqual([]);

  await item.locator('a.button').click();
  await reports.waitForURL(/\/moderate$/);
  await reports.selectOption('select.saved-reply', { label: 'Care team' });
  await expect(reports.inputValue('#hide-note')).resolves.toBe('Please ask your own care team.');
  await reports.click('.privacy-statement summary');
  await reports.click('.insert-privacy');
  await expect(reports.inputValue('#hide-note')).resolves.toContain(
    'We cannot discuss anyone’s care',
  );
  expect(await axeProblems(reports)).toEqual([]);

  const insights = await reports.goto(`${t.baseUrl}/g/${group.slug}/insights?days=7`);
  expect(insights?.status()).toBe(200);
  await reports.waitForLoadState('networkidle');
  await expect(
    reports.evaluate(() => typeof (globalThis as { Chart?: unknown }).Chart),
  ).resolves.toBe('function');
  const drawn = await reports.evaluate(() => {
    const canvas = document.getElementById('chart-posts') as HTMLCanvasElement | null;
    return canvas ? canvas.width > 0 && canvas.height > 0 : false;
  });
  expect(drawn).toBe(true);
  expect(await axeProblems(reports)).toEqual([]);

  for (const path of [
    'journal',
    'handbook',
    'sanctions',
    `sanctions/${String(reader._id)}`,
    'appeals',
    'audit',
  ]) {
    await reports.goto(`${t.baseUrl}/g/${group.slug}/${path}`);
    expect([path, await axeProblems(reports)]).toEqual([path, []]);
  }

  const decisions = await open(author, '/me/decisions');
  expect(await axeProblems(decisions)).toEqual([]);
  expect(problems).toEqual([]);
}, 90_000);
