import { generateSync } from 'otplib';
import request from 'supertest';
import { AuditEvent, OneTimeToken, User } from '../../../models';
import { TEST_PASSWORD, createUser } from '../../helpers/factories';
import {
  csrfFrom,
  sessionCookieFrom,
  signIn,
  startTestApp,
  type TestApp,
} from '../../helpers/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-auth' });
});
afterAll(async () => {
  await t.close();
});

/** A fresh agent with the login page loaded: its CSRF token and session cookie. */
async function loginPage() {
  const agent = request.agent(t.baseUrl);
  const page = await agent.get('/login').expect(200);
  return {
    agent,
    csrf: csrfFrom(page.text),
    cookie: sessionCookieFrom(page.headers['set-cookie']),
  };
}

function normalise(html: string): string {
  return html.replace(/nonce="[^"]*"/g, 'nonce=""');
}

describe('first-run setup', () => {
  it('creates the first administrator once; the link then stops working', async () => {
    const link = await t.services.accounts.createSetupLinkIfNeeded();
    expect(link).toMatch(/\/setup\/[A-Za-z0-9_-]{43}$/);
    const path = new URL(String(link)).pathname;
    const token = path.split('/')[2] ?? '';
    // Only the hash is stored.
    expect(await OneTimeToken.exists({ tokenHash: token })).toBeNull();

    const agent = request.agent(t.baseUrl);
    const form = await agent.get(path).expect(200);
    const short = await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        email: 'first.admin@example.test',
        displayName: 'Ada',
        password: 'too short',
      });
    expect(short.status).toBe(422);
    expect(short.text).toContain('at least 15 characters');

    const done = await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        email: 'first.admin@example.test',
        displayName: 'Ada',
        password: 'lanterns over a quiet harbour',
      });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login');
    const admin = await User.findOne({ email: 'first.admin@example.test' }).lean();
    expect(admin?.siteRole).toBe('admin');

    const again = await request(t.baseUrl).get(path);
    expect(again.status).toBe(404);
    const replay = await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        email: 'second.admin@example.test',
        displayName: 'Eve',
        password: 'lanterns over a quiet harbour',
      });
    expect(replay.status).toBe(404);
    expect(await User.exists({ email: 'second.admin@example.test' })).toBeNull();
    expect(await t.services.accounts.createSetupLinkIfNeeded()).toBeNull();
  });
});

describe('signing in and out', () => {
  it('changes the session cookie at sign-in and kills the old session at sign-out', async () => {
    const user = await createUser();
    const { agent, csrf, cookie: before } = await loginPage();
    expect(before).toBeDefined();
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrf, email: user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(303);
    const after = sessionCookieFrom(res.headers['set-cookie']);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('My groups');
    expect(home.headers['cache-control']).toBe('no-store');

    const out = await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) });
    expect(out.status).toBe(303);
    // Replaying the old cookie gets a signed-out page.
    const replay = await request(t.baseUrl).get('/account').set('Cookie', String(after));
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toBe('/login');
  });

  it('sessions read at the same moment (one query for all) still end one by one', async () => {
    const people = await Promise.all([createUser(), createUser(), createUser()]);
    const cookies: string[] = [];
    for (const user of people) {
      const { agent, csrf } = await loginPage();
      const res = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrf, email: user.email, password: TEST_PASSWORD });
      cookies.push(String(sessionCookieFrom(res.headers['set-cookie'])));
      if (cookies.length === 2) {
        const home = await agent.get('/').expect(200);
        await agent
          .post('/logout')
          .type('form')
          .send({ _csrf: csrfFrom(home.text) })
          .expect(303);
      }
    }
    // Many requests at once: only the signed-out session is turned away, each page is its owner's.
    const pages = await Promise.all(
      [...cookies, ...cookies, ...cookies].map((c) =>
        request(t.baseUrl).get('/account').set('Cookie', c),
      ),
    );
    pages.forEach((page, i) => {
      const who = i % 3;
      if (who === 1) {
        expect([page.status, page.headers.location]).toEqual([303, '/login']);
      } else {
        expect(page.status).toBe(200);
        expect(page.text).toContain(people[who]!.displayName);
        for (const other of people.filter((_, k) => k !== who)) {
          expect(page.text).not.toContain(other.displayName);
        }
      }
    });
  });

  it('answers the same for an unknown e-mail and a wrong password', async () => {
    const user = await createUser();
    const a = await loginPage();
    const known = await a.agent
      .post('/login')
      .type('form')
      .send({ _csrf: a.csrf, email: user.email, password: 'not the right password at all' });
    const b = await loginPage();
    const unknown = await b.agent
      .post('/login')
      .type('form')
      .send({ _csrf: b.csrf, email: user.email.replace('user', 'nobody'), password: 'x' });
    expect(known.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (html: string, email: string) =>
      normalise(html)
        .replaceAll(email, 'EMAIL')
        .replace(/content="[^"]*"/, '');
    expect(strip(unknown.text, user.email.replace('user', 'nobody'))).toBe(
      strip(known.text, user.email),
    );
  });

  it('throttles an account after 5 failed attempts with 429 and Retry-After, not others', async () => {
    const victim = await createUser();
    const other = await createUser();
    const { agent, csrf } = await loginPage();
    for (let i = 0; i < 5; i++) {
      const res = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrf, email: victim.email, password: `wrong guess number ${i}` });
      expect(res.status).toBe(401);
    }
    const blocked = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrf, email: victim.email, password: TEST_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Someone else signs in normally.
    await expect(signIn(t.baseUrl, other.email, TEST_PASSWORD)).resolves.toBeDefined();
  });
  it('lets no more than 5 parallel guesses through for one account', async () => {
    const victim = await createUser();
    const { agent, csrf } = await loginPage();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        agent
          .post('/login')
          .type('form')
          .send({ _csrf: csrf, email: victim.email, password: `parallel guess ${i}` }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
  });
});

describe('CSRF', () => {
  it('refuses a form without a token, with a foreign token, or from another site', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const missing = await agent.post('/account/name').type('form').send({ displayName: 'Kim' });
    expect(missing.status).toBe(403);

    const stranger = await loginPage();
    const foreign = await agent
      .post('/account/name')
      .type('form')
      .send({ displayName: 'Kim', _csrf: stranger.csrf });
    expect(foreign.status).toBe(403);

    const crossSite = await agent
      .post('/account/name')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ displayName: 'Kim', _csrf: agent.csrf() });
    expect(crossSite.status).toBe(403);
    const fetchSite = await agent
      .post('/account/name')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ displayName: 'Kim', _csrf: agent.csrf() });
    expect(fetchSite.status).toBe(403);
    expect((await User.findById(user._id).lean())?.displayName).toBe(user.displayName);

    const nullOriginCrossSite = await agent
      .post('/account/name')
      .set('Origin', 'null')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ displayName: 'Kim', _csrf: agent.csrf() });
    expect(nullOriginCrossSite.status).toBe(403);
    expect((await User.findById(user._id).lean())?.displayName).toBe(user.displayName);

    // What a browser sends for our own form under Referrer-Policy: no-referrer.
    const browserForm = await agent
      .post('/account/name')
      .set('Origin', 'null')
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send({ displayName: 'Kim', _csrf: agent.csrf() });
    expect(browserForm.status).toBe(303);

    const ok = await agent
      .post('/account/name')
      .set('Origin', t.baseUrl)
      .type('form')
      .send({ displayName: 'Kim', _csrf: agent.csrf() });
    expect(ok.status).toBe(303);
    expect((await User.findById(user._id).lean())?.displayName).toBe('Kim');
  });

  it('accepts the token in the x-csrf-token header for fetch calls', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const res = await agent
      .post('/account/name')
      .set('x-csrf-token', agent.csrf())
      .send({ displayName: 'Robin' });
    expect(res.status).toBe(303);
  });
});

describe('password change', () => {
  it('signs out other sessions and keeps this one', async () => {
    const user = await createUser({ password: 'an old long password for tests' });
    const here = await signIn(t.baseUrl, user.email, 'an old long password for tests');
    const elsewhere = await signIn(t.baseUrl, user.email, 'an old long password for tests');

    const tooShort = await here.post('/account/password').type('form').send({
      _csrf: here.csrf(),
      currentPassword: 'an old long password for tests',
      newPassword: 'short',
    });
    expect(tooShort.status).toBe(422);

    const changed = await here.post('/account/password').type('form').send({
      _csrf: here.csrf(),
      currentPassword: 'an old long password for tests',
      newPassword: 'a brand new long password 🌊',
    });
    expect(changed.status).toBe(303);
    // The owner is told by e-mail (naming no group), and the change is in the audit log.
    const told = t.deps.mailer.sent.filter((m) => m.to === user.email);
    expect(told.at(-1)?.subject).toBe('Your Harbour password was changed');
    expect(told.at(-1)?.text).toContain('/login/forgot');
    await expect(
      AuditEvent.countDocuments({ action: 'account.password_changed', targetId: String(user._id) }),
    ).resolves.toBe(1);
    await here.get('/account').expect(200);
    const other = await elsewhere.get('/account');
    expect(other.status).toBe(303);
    expect(other.headers.location).toBe('/login');
    await expect(
      signIn(t.baseUrl, user.email, 'a brand new long password 🌊'),
    ).resolves.toBeDefined();
  });
});

describe('second factor', () => {
  it('sends an administrator without TOTP to set it up before any admin page', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const agent = request.agent(t.baseUrl);
    const page = await agent.get('/login');
    const login = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: admin.email, password: TEST_PASSWORD });
    expect(login.headers.location).toBe('/account/two-factor');
    const adminPage = await agent.get('/admin/outbox');
    expect(adminPage.status).toBe(303);
    expect(adminPage.headers.location).toBe('/account/two-factor');

    const setup = await agent.get('/account/two-factor').expect(200);
    // Shown in groups of four for typing; apps ignore the spaces.
    const shown = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(setup.text)?.[1] ?? '';
    const secret = shown.replace(/ /g, '');
    expect(secret).not.toBe('');
    expect(setup.text).toMatch(/<img class="qr" src="data:image\/png;base64,/);
    const epoch = Math.floor(t.deps.clock.now().getTime() / 1000);
    const enabled = await agent
      .post('/account/two-factor')
      .type('form')
      .send({ _csrf: csrfFrom(setup.text), code: generateSync({ secret, epoch }) });
    expect(enabled.status).toBe(200);
    const codes = [...enabled.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map(
      (m) => m[1],
    );
    expect(codes).toHaveLength(10);
    await agent.get('/admin/outbox').expect(200);

    // Next time: password, then code (a recovery code works once).
    const again = request.agent(t.baseUrl);
    const loginPage2 = await again.get('/login');
    const step1 = await again
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(loginPage2.text), email: admin.email, password: TEST_PASSWORD });
    expect(step1.headers.location).toBe('/login/code');
    expect((await again.get('/admin')).headers.location).toBe('/login/code');
    const codePage = await again.get('/login/code').expect(200);
    const wrong = await again
      .post('/login/code')
      .type('form')
      .send({ _csrf: csrfFrom(codePage.text), code: '000000' });
    expect(wrong.status).toBe(401);
    const right = await again
      .post('/login/code')
      .type('form')
      .send({ _csrf: csrfFrom(codePage.text), code: codes[0] });
    expect(right.status).toBe(303);
    await again.get('/admin').expect(200);
  });
});
