import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Group, type UserDoc } from '../../models';
import { createNotifications } from '../../server/services/notifications';
import { TEST_PASSWORD, addMember, createGroupWithPeople, createUser } from '../helpers/factories';
import { signIn, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * In a real browser (Debian's chromium): a notification arrives live on the notifications page
 * and bumps the badge; a private message arrives live in an open conversation; no script errors
 * and nothing requested from another site.
 */
let t: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-privacy' });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await t.close();
});

async function open(user: UserDoc, path: string): Promise<Page> {
  const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
  const [name, ...rest] = agent.cookie().split('=');
  const context = await browser.newContext();
  contexts.push(context);
  await context.addCookies([
    { name: name as string, value: rest.join('='), url: t.baseUrl, httpOnly: true },
  ]);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (req) => {
    if (!req.url().startsWith(t.baseUrl) && !req.url().startsWith('ws://127.0.0.1')) {
      foreignRequests.push(req.url());
    }
  });
  await page.goto(`${t.baseUrl}${path}`);
  await page.waitForLoadState('networkidle');
  return page;
}

it('notifications and private messages arrive live', async () => {
  const { group, member } = await createGroupWithPeople();
  await Group.updateOne({ _id: group._id }, { $set: { 'settings.privateMessages': true } });
  const friend = await createUser();
  await addMember(friend, group);

  const page = await open(member, '/notifications');
  await page.locator('body[data-live="connected"]').waitFor();
  await createNotifications(t.deps, [
    {
      userId: member._id,
      kind: 'post_approved',
      groupId: group._id,
      data: { groupSlug: group.slug, groupName: group.name },
    },
  ]);
  await page.locator('#unread-badge', { hasText: '1' }).waitFor();

  const pm = t.services.privateMessages;
  const actor = (u: UserDoc) => ({
    kind: 'user' as const,
    userId: u._id,
    siteRole: 'member' as const,
    displayName: u.displayName,
    secondFactorDone: true,
    requestId: 'e2e',
  });
  const { id } = await pm.requestConversation(actor(friend), { userId: String(member._id) });
  await pm.respondToRequest(actor(member), { threadId: id, accept: true });
  const thread = await open(member, `/me/messages/${id}`);
  await thread.locator('body[data-live="connected"]').waitFor();
  await pm.sendMessage(actor(friend), { threadId: id, body: 'Live hello' });
  await thread.locator('#pm-messages li', { hasText: 'Live hello' }).waitFor();

  // Without JavaScript the form still sends (the page reloads with the message).
  await thread.fill('#pm-body', 'Answer from the form');
  await thread.click('#compose button[type="submit"]');
  await thread
    .locator('#pm-messages li.mine', { hasText: 'Answer from the form' })
    .first()
    .waitFor();

  expect(pageErrors).toEqual([]);
  expect(foreignRequests).toEqual([]);
}, 60_000);

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page: serious and critical accessibility violations, by rule id. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(): Promise<{ violations: Array<{ id: string; impact: string }> }> };
      }
    ).axe;
    const result = await axe.run();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id);
  });
}

it('the privacy pages are accessible at phone width', async () => {
  const { group, member, moderator } = await createGroupWithPeople();
  await Group.updateOne({ _id: group._id }, { $set: { 'settings.privateMessages': true } });
  void moderator;
  for (const path of ['/me/notifications/settings', '/me/data', '/me/messages']) {
    const page = await open(member, path);
    await page.setViewportSize({ width: 360, height: 740 });
    expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
  }
}, 60_000);
