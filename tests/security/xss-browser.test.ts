import fc from 'fast-check';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser } from '../e2e/harness';
import { JoinRequest, type UserDoc } from '../../models';
import { actorFor, addMember, createGroup, createUser, TEST_PASSWORD } from '../helpers/factories';
import { enableTotp, signIn, startTestApp, type TestApp } from '../helpers/test-app';
import { XSS_CORPUS } from './xss-corpus';

/**
 * Hostile text in every user text field (display names, post bodies, replies, rule titles,
 * group names and descriptions, join-request answers, rejection notes), rendered by the pages
 * and delivered live over sockets, in Debian's chromium: no payload runs (`window.__xss` stays
 * unset) and the CSP reports no violation (nothing even tried to run inline). E-mails carry the
 * texts escaped.
 */
let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp({ name: 'security-xss' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t.close();
});

// fast-check adds arbitrary Unicode strings (with HTML-ish characters mixed in) to the corpus.
const GENERATED = fc.sample(
  fc
    .tuple(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('<', '>', '"', "'", '&'))
    .map(([s, c]) => `${c}${s}${c}x`.replace(/\s+/g, ' ').trim() || 'x'),
  { numRuns: 12, seed: 42 },
);
const TEXTS = [...XSS_CORPUS, ...GENERATED];

interface Seen {
  xss: unknown;
  violations: string[];
}

async function visit(user: UserDoc | null, path: string, staff = false): Promise<Page> {
  const context = await browser.newContext();
  if (user) {
    const agent = await signIn(
      t.baseUrl,
      user.email,
      TEST_PASSWORD,
      staff ? { secret: await enableTotp(user._id), clock: t.deps.clock } : undefined,
    );
    const [name, ...rest] = agent.cookie().split('=');
    await context.addCookies([{ name: name as string, value: rest.join('='), url: t.baseUrl }]);
  }
  // Installed by the browser itself (not subject to the page's CSP): records violations.
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const page = await context.newPage();
  const response = await page.goto(`${t.baseUrl}${path}`);
  expect({ path, status: response?.status() }).toEqual({ path, status: 200 });
  return page;
}

async function seen(page: Page): Promise<Seen> {
  // Give event handlers (onerror, onload, ontoggle, autofocus) their chance.
  await page.waitForTimeout(150);
  return page.evaluate(() => {
    const w = window as unknown as { __xss?: unknown; __violations: string[] };
    return { xss: w.__xss ?? null, violations: w.__violations };
  });
}

it('no payload runs and the CSP sees no attempt, in pages and live, and e-mails escape them', async () => {
  const group = await createGroup({
    name: TEXTS[1]!.slice(0, 100),
    description: TEXTS.join(' | ').slice(0, 1900),
    rules: TEXTS.slice(0, 20).map((title, i) => ({ ruleId: `r-${i}`, title, body: title })),
    questions: [{ questionId: 'q1', text: TEXTS[2]! }],
  } as never);
  const moderator = await createUser();
  const advocate = await createUser();
  const reader = await createUser({ displayName: TEXTS[3]! });
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(advocate, group, ['member', 'advocate']);
  await addMember(reader, group, ['member']);
  let key = 0;
  const submit = async (author: UserDoc, body: string, parentId?: string) => {
    const res = await t.services.posts.submitPost(actorFor(author), {
      group: group.slug,
      body,
      parentId,
      idempotencyKey: `xss-key-${key++}`,
      acknowledgedFindings: true,
    });
    if (res.status !== 'stored') throw new Error('not stored');
    return res.post.id;
  };
  const approve = (postId: string) =>
    t.services.reviews.approvePost(actorFor(moderator), { postId, version: 1 });

  // Every text as an author's display name, a published post and a reply; some left waiting,
  // some rejected with the text as the note.
  const authors: UserDoc[] = [];
  for (const text of TEXTS.slice(0, 12)) {
    const author = await createUser({ displayName: text.slice(0, 60) });
    await addMember(author, group, ['member']);
    authors.push(author);
  }
  for (const [i, text] of TEXTS.entries()) {
    const author = authors[i % authors.length]!;
    const postId = await submit(author, text);
    await approve(postId);
    await approve(await submit(reader, `Reply: ${text}`, postId));
    if (i % 3 === 0) await submit(author, `Waiting: ${text}`);
  }
  const rejected: string[] = [];
  for (const text of TEXTS.slice(0, 8)) {
    const postId = await submit(reader, `To be rejected ${rejected.length}`);
    await t.services.reviews.rejectPost(actorFor(moderator), {
      postId,
      version: 1,
      ruleId: 'r-0',
      note: text,
    });
    rejected.push(postId);
  }
  for (const text of TEXTS) {
    await JoinRequest.create({
      group: group._id,
      email: `visitor${key++}@example.test`,
      answers: [{ questionId: 'q1', answer: text }],
    });
  }
  // A public (not hidden) group shows its name, description and rules to visitors.
  const visits: Array<[UserDoc | null, string, boolean]> = [
    [null, `/g/${group.slug}`, false],
    [reader, '/', false],
    [reader, `/g/${group.slug}/conversation`, false],
    [reader, '/notifications', false],
    [reader, `/g/${group.slug}/posts/${rejected[0]}/edit`, false],
    [reader, `/g/${group.slug}/members`, false],
    [reader, '/account', false],
    [moderator, `/g/${group.slug}/queue`, true],
    [advocate, `/g/${group.slug}/requests`, true],
  ];
  const results: unknown[] = [];
  for (const [user, path, staff] of visits) {
    const page = await visit(user, path, staff);
    results.push({ path, ...(await seen(page)) });
    await page.context().close();
  }

  // Live: a reader's open conversation receives more hostile posts over the socket.
  const live = await visit(reader, `/g/${group.slug}/conversation`);
  await live.waitForLoadState('networkidle');
  for (const text of XSS_CORPUS.slice(0, 12))
    await approve(await submit(authors[0]!, `Live ${text}`));
  await live.waitForFunction(
    (marker) => document.body.innerText.includes(marker),
    `Live ${XSS_CORPUS[11]!}`.slice(0, 30),
    { timeout: 10_000 },
  );
  results.push({ path: 'live', ...(await seen(live)) });
  await live.context().close();

  expect(results.filter((r) => (r as Seen).xss !== null || (r as Seen).violations.length)).toEqual(
    [],
  );
  // E-mails (HTML part) never carry a payload unescaped.
  for (const mail of t.deps.mailer.sent) {
    const html = String((mail as { html?: string }).html ?? '');
    for (const text of XSS_CORPUS) expect(html.includes(text) && /[<>"]/.test(text)).toBe(false);
  }
}, 180_000);
