import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../server/app';
import { systemClock } from '../../server/clock';
import { buildDemo } from '../../server/demo/main';
import { DEMO_PASSWORD, type DemoAccount } from '../../server/demo/seed';
import type { Deps } from '../../server/deps';
import { DomainEvents } from '../../server/events';
import { appKit } from '../../server/http/app-kit';
import { createMailer } from '../../server/mail';
import { createServices } from '../../server/services';
import { attachBroadcasters, createSocketServer } from '../../server/sockets';
import { DESKTOP, PHONE, launchBrowser } from './harness';

/**
 * `npm run screenshots`: builds the demo in its own folder (./data/demo-screenshots), serves it on
 * a random loopback port and saves PNGs of the main pages, phone (360 px) and desktop, into
 * ./screenshots (git-ignored). `--only name,name` limits the pages; `--phone` skips desktop;
 * `--top N` keeps the first N pixels of each page; `--dark` uses the dark colour scheme.
 */
const OUT = join(process.cwd(), 'screenshots');

interface Shot {
  name: string;
  /** A role from the printed accounts, or a demo member's key (e.g. 'rita'). */
  as: string;
  path: string;
  /** Only this part of the page (e.g. the member's own posts at the bottom). */
  element?: string;
}

async function main(): Promise<void> {
  const only = process.argv.includes('--only')
    ? (process.argv[process.argv.indexOf('--only') + 1] ?? '').split(',')
    : null;
  const phoneOnly = process.argv.includes('--phone');
  const dark = process.argv.includes('--dark');
  // --top N: only the first N pixels of each page (what a person sees first; smaller files).
  const top = process.argv.includes('--top')
    ? Number(process.argv[process.argv.indexOf('--top') + 1])
    : null;
  // Always the embedded engine in its own folder: never a database someone else set up.
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: './data/demo-screenshots' };
  delete env.MONGODB_URI;
  const { result, config, log, database } = await buildDemo(env);
  const deps: Deps = {
    config,
    clock: systemClock,
    log,
    events: new DomainEvents(),
    mailer: createMailer(config, systemClock, log),
  };
  const services = createServices(deps);
  const app = createApp(deps, services);
  const server = http.createServer(app);
  const io = createSocketServer(server, deps, services, appKit(app));
  const detach = attachBroadcasters(io, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const slug = result.groupSlug;

  const shots: Shot[] = [
    { name: 'welcome', as: 'visitor', path: '/' },
    { name: 'sign-in', as: 'visitor', path: '/login' },
    { name: 'group-public', as: 'visitor', path: `/g/${slug}` },
    { name: 'not-found', as: 'visitor', path: '/g/no-such-group' },
    { name: 'my-groups', as: 'member', path: '/' },
    { name: 'conversation', as: 'member', path: `/g/${slug}/conversation` },
    { name: 'notifications', as: 'member', path: '/notifications' },
    { name: 'members', as: 'member', path: `/g/${slug}/members` },
    {
      name: 'own-rejected',
      as: 'rita',
      path: `/g/${slug}/conversation`,
      element: '#own-posts',
    },
    { name: 'own-crisis', as: 'noreen', path: `/g/${slug}/conversation`, element: '#own-posts' },
    { name: 'account', as: 'member', path: '/account' },
    { name: 'my-groups-moderator', as: 'moderator', path: '/' },
    { name: 'queue', as: 'moderator', path: `/g/${slug}/queue` },
    { name: 'documents', as: 'moderator', path: `/g/${slug}/documents` },
    { name: 'invitations', as: 'advocate', path: `/g/${slug}/invitations` },
    { name: 'requests', as: 'advocate', path: `/g/${slug}/requests` },
    { name: 'admin', as: 'administrator', path: '/admin' },
    { name: 'admin-groups', as: 'administrator', path: '/admin/groups' },
    { name: 'admin-audit', as: 'administrator', path: '/admin/audit' },
  ].filter((s) => !only || only.includes(s.name)) as Shot[];

  mkdirSync(OUT, { recursive: true });
  const browser = await launchBrowser();
  try {
    // One sign-in per role (a TOTP code works once), then every page at each width.
    const roles = [...new Set(shots.map((s) => s.as))];
    for (const role of roles) {
      const mine = shots.filter((s) => s.as === role);
      if (mine.length === 0) continue;
      const page = await signedInPage(browser, base, PHONE, result.accounts, role, dark);
      for (const viewport of phoneOnly ? [PHONE] : [PHONE, DESKTOP]) {
        const label = viewport === PHONE ? 'phone' : 'desktop';
        await page.setViewportSize(viewport);
        for (const shot of mine) {
          await page.goto(`${base}${shot.path}`);
          await page.waitForLoadState('networkidle');
          const file = join(OUT, `${shot.name}-${label}${dark ? '-dark' : ''}.png`);
          if (shot.element) {
            await page.locator(shot.element).screenshot({ path: file });
          } else {
            const height = await page.evaluate(() => document.documentElement.scrollHeight);
            await page.screenshot({
              path: file,
              fullPage: true,
              clip: top
                ? { x: 0, y: 0, width: viewport.width, height: Math.min(top, height) }
                : undefined,
            });
          }
          process.stdout.write(`${file}\n`);
        }
      }
      await page.context().close();
    }
  } finally {
    await browser.close();
    detach();
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    await database.close();
  }
}

async function signedInPage(
  browser: Browser,
  base: string,
  viewport: { width: number; height: number },
  accounts: DemoAccount[],
  role: string,
  dark: boolean,
): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme: dark ? 'dark' : 'light' });
  const page = await context.newPage();
  if (role === 'visitor') return page;
  const account = accounts.find((a) => a.role === role) ?? {
    email: `${role}@demo.harbour.invalid`,
    password: DEMO_PASSWORD,
    totpSecret: undefined,
  };
  await page.goto(`${base}/login`);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.click('main button')]);
  if (account.totpSecret) {
    await page.fill('#code', generateSync({ secret: account.totpSecret }));
    await Promise.all([
      page.waitForURL((u) => u.pathname !== '/login/code'),
      page.click('main button'),
    ]);
  }
  return page;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
