import { readFileSync } from 'node:fs';
import { generateSync } from 'otplib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { UserDoc } from '../../models';
import type { ManualClock } from '../../server/clock';
import { TEST_PASSWORD } from '../helpers/factories';
import { enableTotp, signIn, type TestApp } from '../helpers/test-app';

/**
 * Shared pieces of the browser tests: Debian's chromium through playwright-core, pages that
 * record console errors and CSP violations, sign-in through the real forms (TOTP included), and
 * axe-core checks.
 */

/** The flags that keep headless chromium off the (closed) network and quiet. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

/** A browser session (one context = one person) that remembers what went wrong in its pages. */
export class Session {
  readonly problems: string[] = [];
  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(
    browser: Browser,
    viewport: { width: number; height: number } = PHONE,
    colorScheme: 'light' | 'dark' = 'light',
  ): Promise<Session> {
    const context = await browser.newContext({ viewport, colorScheme });
    // Runs before any page script: CSP violations become console errors we collect below.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const page = await context.newPage();
    const session = new Session(context, page);
    page.on('console', (message) => {
      if (message.type() === 'error') session.problems.push(message.text());
    });
    page.on('pageerror', (error) => session.problems.push(`page error: ${error.message}`));
    return session;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** Signs in through the login form; with a TOTP secret, also through the code form. */
export async function signInByForm(
  t: TestApp,
  page: Page,
  email: string,
  opts: { password?: string; totpSecret?: string } = {},
): Promise<void> {
  await page.goto(`${t.baseUrl}/login`);
  await page.fill('#email', email);
  await page.fill('#password', opts.password ?? TEST_PASSWORD);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.click('main button[type="submit"]'),
  ]);
  if (opts.totpSecret) {
    await page.waitForURL(/\/login\/code$/);
    await page.fill('#code', totpCode(opts.totpSecret, t.deps.clock));
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/login/code'),
      page.click('main button[type="submit"]'),
    ]);
  }
}

/** The current code at the app's clock; the clock then moves on (each code works once). */
export function totpCode(secret: string, clock: ManualClock): string {
  const code = generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
  clock.advance(30_000);
  return code;
}

/** A quicker sign-in (HTTP forms through supertest), the session cookie handed to the browser. */
export async function signInFast(
  t: TestApp,
  session: Session,
  user: UserDoc,
  opts: { staff?: boolean } = {},
): Promise<void> {
  const secret = opts.staff ? await enableTotp(user._id) : undefined;
  const agent = await signIn(
    t.baseUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
  const [name, ...rest] = agent.cookie().split('=');
  await session.context.addCookies([
    { name: name as string, value: rest.join('='), url: t.baseUrl, httpOnly: true },
  ]);
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Serious or critical axe-core (WCAG 2.x A/AA) violations of the page as it is now. axe is
 * evaluated through the DevTools protocol, which the page's CSP does not govern (a script tag
 * would be refused by the nonce policy, and reported as a violation).
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe');
  if (loaded === 'undefined') await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    interface AxeResult {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: unknown[] }[];
      }[];
    }
    const axe = (window as unknown as { axe: { run(o: unknown): Promise<AxeResult> } }).axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** True when the page is no wider than the viewport (no sideways scrolling on a phone). */
export async function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

/**
 * Writes in the conversation's composer and sends; when screening asks "are you sure?" (a nudge),
 * sends again as a person would after reading it. Returns whether a nudge was shown.
 */
export async function sendPost(page: Page, text: string): Promise<boolean> {
  await page.fill('#composer-body', text);
  await page.click('#composer button[type="submit"]:not([name])');
  const own = page.locator('article.own', { hasText: text.slice(0, 30) });
  const nudge = page.locator('#composer .nudge[role="alert"]');
  await own.or(nudge).first().waitFor();
  if (await own.count()) return false;
  await page.click('#composer button[type="submit"]:not([name])');
  await own.waitFor();
  return true;
}
