import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchBrowser } from './harness';
import type { UserDoc } from '../../models';
import { TEST_PASSWORD, addMember, createGroup, createUser } from '../helpers/factories';
import { enableTotp, signIn, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * The conversation in a real browser (Debian's chromium through playwright-core): the composer
 * over Socket.IO, a live post arriving at another member without stealing focus, drafts that
 * survive a reload, and the moderator's keyboard shortcuts.
 */
let t: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-conversation' });
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
  const context = await browser.newContext();
  contexts.push(context);
  await context.addCookies([
    { name: name as string, value: rest.join('='), url: t.baseUrl, httpOnly: true },
  ]);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${t.baseUrl}${path}`);
  return page;
}

/** HARBOUR_SCREENSHOTS=<dir> keeps phone-width pictures of the pages for a human look. */
async function snap(page: Page, name: string) {
  const dir = process.env.HARBOUR_SCREENSHOTS;
  if (!dir) return;
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

async function connected(page: Page) {
  // The client script has its socket once the catch-up request went out; give it a moment.
  await page.waitForLoadState('networkidle');
}

it('posts live from the composer, reaches another member without moving focus, keeps drafts', async () => {
  const group = await createGroup();
  const [author, other, mod] = await Promise.all([createUser(), createUser(), createUser()]);
  await addMember(author, group);
  await addMember(other, group);
  await addMember(mod, group, ['member', 'moderator']);
  const url = `/g/${group.slug}/conversation`;

  const authorPage = await open(author, url);
  const otherPage = await open(other, url);
  await Promise.all([connected(authorPage), connected(otherPage)]);

  // The author writes and sends with JavaScript: the post appears in place, waiting.
  await authorPage.fill('#composer-body', 'Hello from the browser');
  await authorPage.click('#composer button[type="submit"]:not([name])');
  const own = authorPage.locator('article.own', { hasText: 'Hello from the browser' });
  await own.waitFor();
  await expect(own.textContent()).resolves.toContain('Waiting for a moderator');
  // The composer empties on the server's acknowledgement, which may land just after the post
  // itself arrives over the socket.
  await authorPage.waitForFunction(
    () => (document.querySelector('#composer-body') as HTMLTextAreaElement | null)?.value === '',
    undefined,
    { timeout: 10_000 },
  );
  await snap(authorPage, 'conversation-author-waiting');

  // The other member is typing a reply draft; it must survive a reload.
  await otherPage.fill('#composer-body', 'my unsent draft');
  await otherPage.reload();
  await connected(otherPage);
  await expect(otherPage.inputValue('#composer-body')).resolves.toBe('my unsent draft');
  await otherPage.focus('#composer-body');
  await expect(otherPage.locator('body').textContent()).resolves.not.toContain(
    'Hello from the browser',
  );

  // The moderator approves with the keyboard on the queue page.
  const queue = await open(mod, `/g/${group.slug}/queue`, true);
  await connected(queue);
  await snap(queue, 'queue');
  await queue.keyboard.press('j');
  await queue.keyboard.press('a');
  await queue.locator('.queue-item').waitFor({ state: 'detached' });

  // It arrives live at the other member, announced politely, focus left where it was.
  const arrived = otherPage.locator('#threads article.post', { hasText: 'Hello from the browser' });
  await arrived.waitFor();
  // The announcement is written a moment later (so screen readers notice the change).
  await otherPage
    .locator('#live', { hasText: 'Hello from the browser' })
    .waitFor({ state: 'attached' });
  await expect(otherPage.evaluate(() => document.activeElement?.id)).resolves.toBe('composer-body');
  // The author's waiting copy is replaced by the published post, shown once.
  await authorPage
    .locator('#threads article.post', { hasText: 'Hello from the browser' })
    .waitFor();
  await expect(authorPage.locator('article.own').count()).resolves.toBe(0);
  await expect(
    otherPage.locator('article.post', { hasText: 'Hello from the browser' }).count(),
  ).resolves.toBe(1);

  // A supportive reaction, live for the author.
  await otherPage
    .locator('article.post', { hasText: 'Hello from the browser' })
    .locator('button[value="heart"]')
    .click();
  await authorPage.locator('.count[data-kind="heart"]', { hasText: '1' }).waitFor();
  await snap(otherPage, 'conversation-member');

  // Replying under the thread that arrived live: the reply waits in place, under its post.
  const thread = otherPage.locator('#threads li.thread', { hasText: 'Hello from the browser' });
  await thread.locator('summary').click();
  await thread.locator('textarea[name="body"]').fill('Lovely to hear');
  await thread.locator('button[type="submit"]', { hasText: 'Send for review' }).click();
  await thread.locator('.replies article.own', { hasText: 'Lovely to hear' }).waitFor();
  await expect(authorPage.locator('body').textContent()).resolves.not.toContain('Lovely to hear');

  expect(pageErrors).toEqual([]);
}, 60_000);
