import type { Browser, Page } from 'playwright-core';
import { en } from '../../server/i18n/en';
import { addMember, createGroup, createUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { Session, launchBrowser, signInFast } from './harness';

/**
 * What a browser does when a server stops (server/shutdown.ts): it is told `server:shutdown`,
 * then disconnected; every live page must come back by itself after `reconnectAfterMs` (plus
 * jitter), on the conversation page with the "connected again" notice.
 */
let t: TestApp;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'e2e-shutdown-reconnect' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await browser?.close();
  await t?.close();
});

async function socketsOf(userId: unknown): Promise<number> {
  return (await t.io.in(`user:${String(userId)}`).fetchSockets()).length;
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

it('live pages reconnect by themselves after the server said it was shutting down', async () => {
  const group = await createGroup();
  const [reader, other] = await Promise.all([createUser(), createUser()]);
  await addMember(reader, group);
  await addMember(other, group);

  const open = async (user: typeof reader, path: string): Promise<Page> => {
    const s = await Session.open(browser);
    sessions.push(s);
    await signInFast(t, s, user);
    await s.page.goto(`${t.baseUrl}${path}`);
    await s.page.waitForLoadState('networkidle');
    return s.page;
  };
  const conversation = await open(reader, `/g/${group.slug}/conversation`);
  // The notifications page has its own socket (public/js/notifications.js).
  await open(other, '/notifications');
  await until(
    async () => (await socketsOf(reader._id)) > 0 && (await socketsOf(other._id)) > 0,
    10_000,
  );

  t.io.local.emit('server:shutdown', { reconnectAfterMs: 200 });
  t.io.local.disconnectSockets(true);
  await until(async () => (await socketsOf(reader._id)) === 0, 5_000);

  // Back within reconnectAfterMs + up to 2 s of jitter, without a reload.
  await until(
    async () => (await socketsOf(reader._id)) > 0 && (await socketsOf(other._id)) > 0,
    8_000,
  );
  await conversation
    .locator('#connection-status', { hasText: en.ui.connectionBack })
    .waitFor({ timeout: 5_000 });
}, 60_000);
