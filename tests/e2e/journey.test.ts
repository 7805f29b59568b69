import type { Browser } from 'playwright-core';
import { addMember, createGroup, createUser } from '../helpers/factories';
import { confirmationToken } from '../helpers/invitations';
import { enableTotp, startTestApp, type TestApp } from '../helpers/test-app';
import { Session, launchBrowser, pageWidth, sendPost, signInByForm, signInFast } from './harness';

/**
 * The whole way in, in real browsers: an advocate invites, the invitee makes an account, accepts
 * the rules and disclaimer, confirms her address from the e-mail, writes, waits; a moderator in another browser approves; a third
 * member sees the post arrive without reloading. Then a rejection citing a rule, and a revision.
 */
let t: TestApp;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-journey' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await browser?.close();
  await t?.close();
});

async function session(): Promise<Session> {
  const s = await Session.open(browser);
  sessions.push(s);
  return s;
}

it('invite → join → post → wait → approve → seen live by another member; reject and revise', async () => {
  const group = await createGroup({ name: 'Living Well Together' });
  const [advocate, moderator, reader] = await Promise.all([
    createUser({ displayName: 'Aoife (advocate)' }),
    createUser({ displayName: 'Niamh (moderator)' }),
    createUser({ displayName: 'Siobhan' }),
  ]);
  await addMember(advocate, group, ['member', 'advocate']);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(reader, group);

  // The advocate signs in with a second factor and makes an invitation link.
  const adv = await session();
  await signInByForm(t, adv.page, advocate.email, { totpSecret: await enableTotp(advocate._id) });
  await adv.page.goto(`${t.baseUrl}/g/${group.slug}/invitations`);
  await adv.page.check('#kind-link');
  await adv.page.click('form[action$="/invitations"] button[type="submit"]');
  const link = await adv.page.inputValue('#created-url');
  expect(link).toMatch(/\/invitations\/[\w-]+$/);

  // The invitee opens it, makes an account, accepts the rules and disclaimer.
  const inv = await session();
  // The link carries PUBLIC_URL; the test server listens on a random port.
  await inv.page.goto(`${t.baseUrl}${new URL(link).pathname}`);
  await inv.page.fill('#r-email', 'new.member@example.test');
  await inv.page.fill('#r-name', 'Róisín');
  await inv.page.fill('#r-password', 'a calm harbour at dusk');
  for (const box of await inv.page.locator('main input[type="checkbox"]').all()) await box.check();
  await inv.page.click('main form button[type="submit"]');
  // She is asked to check her e-mail, and opens the link in it.
  await inv.page.locator('h1', { hasText: 'Check your e-mail' }).waitFor();
  const confirm = confirmationToken(t.deps.mailer, 'new.member@example.test');
  await inv.page.goto(`${t.baseUrl}/invitations/confirm/${confirm}`);
  await Promise.all([
    inv.page.waitForURL(/\/login$/),
    inv.page.click('main form button[type="submit"]'),
  ]);
  // She signs in with the password she just chose and lands in the group.
  await expect(inv.page.locator('main').textContent()).resolves.toContain('Living Well Together');
  await inv.page.fill('#email', 'new.member@example.test');
  await inv.page.fill('#password', 'a calm harbour at dusk');
  await Promise.all([
    inv.page.waitForURL(new RegExp(`/g/${group.slug}$`)),
    inv.page.click('main button[type="submit"]'),
  ]);
  await inv.page.goto(`${t.baseUrl}/g/${group.slug}/conversation`);

  // A third member is reading the conversation.
  const rd = await session();
  await signInFast(t, rd, reader);
  await rd.page.goto(`${t.baseUrl}/g/${group.slug}/conversation`);
  await rd.page.waitForLoadState('networkidle');

  // The newcomer writes; the post waits for a moderator, visible to her only.
  await inv.page.waitForLoadState('networkidle');
  await sendPost(inv.page, 'Hello everyone, I am new here and glad to have found you.');
  const own = inv.page.locator('article.own', { hasText: 'glad to have found you' });
  await own.waitFor();
  await expect(own.textContent()).resolves.toContain('Waiting for a moderator');

  // The moderator, in another browser, approves from the queue.
  const mod = await session();
  await signInByForm(t, mod.page, moderator.email, {
    totpSecret: await enableTotp(moderator._id),
  });
  await mod.page.goto(`${t.baseUrl}/g/${group.slug}/queue`);
  const item = mod.page.locator('.queue-item', { hasText: 'glad to have found you' });
  await item.locator('form[data-action="approve"] button').click();
  await item.waitFor({ state: 'detached' });

  // The reader sees it arrive without reloading, announced in the live region.
  await rd.page
    .locator('#threads article.post', { hasText: 'glad to have found you' })
    .waitFor({ timeout: 10_000 });
  await rd.page.locator('#live', { hasText: 'glad to have found' }).waitFor();
  // The author's waiting copy became the published post.
  await inv.page.locator('#threads article.post', { hasText: 'glad to have found you' }).waitFor();

  // A second post is rejected citing a rule; the author sees why and sends a revision.
  await sendPost(inv.page, 'Should I double my dose of capecitabine this week?');
  const second = inv.page.locator('article.own', { hasText: 'capecitabine' });
  await mod.page.reload();
  const rejectItem = mod.page.locator('.queue-item', { hasText: 'capecitabine' });
  await rejectItem.locator('select[name="ruleId"]').selectOption('r-health');
  await rejectItem
    .locator('form[data-action="reject"] textarea[name="note"]')
    .fill('Please ask your oncology team about doses.');
  await rejectItem.locator('form[data-action="reject"] button[type="submit"]').click();
  await rejectItem.waitFor({ state: 'detached' });

  await second.locator('text=Not published').first().waitFor({ timeout: 10_000 });
  await inv.page.locator('#live', { hasText: 'did not publish your post' }).waitFor();
  await expect(second.textContent()).resolves.toContain('No personal health questions');
  await expect(second.textContent()).resolves.toContain('ask your oncology team');

  // She revises it from the link on her post; it waits for a moderator again.
  await Promise.all([
    inv.page.waitForURL(/\/edit$/),
    second.getByRole('link', { name: 'Revise and resubmit' }).click(),
  ]);
  await inv.page.fill(
    '#edit-body',
    'Has anyone found good ways to cope with tiredness on capecitabine?',
  );
  await Promise.all([
    inv.page.waitForURL(/\/conversation/),
    inv.page.click('main form button[type="submit"]:not([name])'),
  ]);
  const revised = inv.page.locator('article.own', { hasText: 'cope with tiredness' });
  await expect(revised.textContent()).resolves.toContain('Waiting for a moderator');
  await mod.page.locator('.queue-item', { hasText: 'cope with tiredness' }).waitFor();

  // Nothing went wrong in any page, and the phone layout never scrolls sideways.
  for (const s of [adv, inv, rd, mod]) {
    expect(s.problems).toEqual([]);
    expect(await pageWidth(s.page)).toBeLessThanOrEqual(360);
  }
}, 90_000);
