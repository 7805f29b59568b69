import request from 'supertest';
import { OutboxEmail, User } from '../../../models';
import { createMailer } from '../../../server/mail';
import { TEST_PASSWORD, createUser } from '../../helpers/factories';
import { enableTotp, signIn, startTestApp, type TestApp } from '../../helpers/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-account' });
});
afterAll(async () => {
  await t.close();
});

describe('sessions', () => {
  it('end after the absolute limit even when used all along', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    await agent.get('/account').expect(200);
    t.deps.clock.advance(t.deps.config.sessionAbsoluteMs + 60_000);
    const res = await agent.get('/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    const login = await agent.get('/login');
    expect(login.text).toContain('Your session has ended');
  });

  it('"sign out everywhere" ends every session, this one included', async () => {
    const user = await createUser();
    const a = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const b = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    await a.post('/account/sign-out-everywhere').type('form').send({ _csrf: a.csrf() }).expect(303);
    expect((await a.get('/account')).status).toBe(303);
    expect((await b.get('/account')).status).toBe(303);
  });
});

describe('profile', () => {
  it('shows the profile to its owner and saves a pseudonym', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const page = await agent.get('/account').expect(200);
    expect(page.text).toContain(user.displayName);
    expect(page.text).not.toContain(user.email);
    await agent
      .post('/account/name')
      .type('form')
      .send({ _csrf: agent.csrf(), displayName: 'Quiet Otter' })
      .expect(303);
    expect((await agent.get('/account')).text).toContain('Quiet Otter');
  });

  it('lets a member turn two-step sign-in off only with a long enough password', async () => {
    const user = await createUser({ password: 'eight ch' });
    const secret = await enableTotp(user._id);
    const agent = await signIn(t.baseUrl, user.email, 'eight ch', {
      secret,
      clock: t.deps.clock,
    });
    const refused = await agent
      .post('/account/two-factor/disable')
      .type('form')
      .send({ _csrf: agent.csrf(), password: 'eight ch' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('at least 15 characters');
    expect((await User.findById(user._id).lean())?.totp?.enabledAt).toBeTruthy();

    const longUser = await createUser({ password: 'a long password of sixteen+' });
    const longSecret = await enableTotp(longUser._id);
    const longAgent = await signIn(t.baseUrl, longUser.email, 'a long password of sixteen+', {
      secret: longSecret,
      clock: t.deps.clock,
    });
    await longAgent
      .post('/account/two-factor/disable')
      .type('form')
      .send({ _csrf: longAgent.csrf(), password: 'a long password of sixteen+' })
      .expect(303);
    expect((await User.findById(longUser._id).lean())?.totp?.enabledAt).toBeUndefined();
  });

  it('keeps pages of signed-in people out of caches and away from visitors', async () => {
    const visitor = await request(t.baseUrl).get('/account');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toBe('/login');
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    expect((await agent.get('/account')).headers['cache-control']).toBe('no-store');
    // Members do not see administration.
    expect((await agent.get('/admin')).status).toBe(404);
  });
});

describe('development outbox', () => {
  it('keeps e-mail without SMTP and shows it to administrators', async () => {
    const mailer = createMailer(t.deps.config, t.deps.clock, t.deps.log);
    await mailer.send({ to: 'someone@example.test', subject: 'Your invitation', text: 'Hello' });
    expect(await OutboxEmail.exists({ subject: 'Your invitation' })).not.toBeNull();

    const admin = await createUser({ siteRole: 'admin' });
    const secret = await enableTotp(admin._id);
    const agent = await signIn(t.baseUrl, admin.email, TEST_PASSWORD, {
      secret,
      clock: t.deps.clock,
    });
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('href="/admin"');
    const outbox = await agent.get('/admin/outbox').expect(200);
    expect(outbox.text).toContain('Your invitation');
  });
});
