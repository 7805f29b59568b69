import { Notification, User } from '../../../models';
import {
  TEST_PASSWORD,
  addMember,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';
import {
  csrfFrom,
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type TestApp,
} from '../../helpers/test-app';

/** The member's pages without JavaScript: settings, data (export, deletion), admin tools. */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-privacy' });
});
afterAll(async () => {
  await t.close();
});

describe('notification settings and badge', () => {
  it('saves settings from the form and shows the unread count in the nav', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const page = await agent.get('/me/notifications/settings').expect(200);
    expect(page.text).toContain('No e-mail');
    const saved = await agent
      .post('/me/notifications/settings')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        inApp_reply: 'on',
        email_reply: 'daily',
        mention: 'group',
      })
      .expect(303);
    expect(saved.headers.location).toBe('/me/notifications/settings');
    const prefs = await t.services.notificationSettings.getNotificationSettings({
      kind: 'user',
      userId: user._id,
      siteRole: 'member',
      displayName: user.displayName,
      secondFactorDone: true,
      requestId: 'r',
    });
    expect(prefs.inApp.reply).toBe(true);
    expect(prefs.inApp.reactions).toBe(false);
    expect(prefs.email.reply).toBe('daily');
    expect(prefs.mention).toBe('group');

    await Notification.create([
      { user: user._id, kind: 'reply', createdAt: new Date() },
      { user: user._id, kind: 'post_approved', createdAt: new Date() },
    ]);
    const home = await agent.get('/me/notifications/settings').expect(200);
    expect(home.text).toMatch(/id="unread-badge"><span aria-hidden="true">2</);
  });
});

describe('your data', () => {
  it('prepares an export in the background and offers both files', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const page = await agent.get('/me/data').expect(200);
    await agent
      .post('/me/data/export')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    const linkRe = /href="(\/me\/data\/export\/[0-9a-f]{24})\/html"/;
    let link: string | undefined;
    for (let i = 0; i < 100 && !link; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      link = linkRe.exec((await agent.get('/me/data')).text)?.[1];
    }
    expect(link).toBeDefined();
    const json = await agent.get(`${link}/json`).expect(200);
    expect(json.headers['content-disposition']).toMatch(/attachment/);
    expect(json.text).toContain(user.email);
    const other = await createUser();
    const stranger = await signIn(t.baseUrl, other.email, TEST_PASSWORD);
    await stranger.get(`${link}/json`).expect(404);
  });

  it('deleting the account needs the password, ends sessions and live sockets', async () => {
    const { member, group } = await createGroupWithPeople();
    void group;
    const agent = await signIn(t.baseUrl, member.email, TEST_PASSWORD);
    const otherDevice = await signIn(t.baseUrl, member.email, TEST_PASSWORD);
    const socket = await socketFor(otherDevice);
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    const page = await agent.get('/me/data').expect(200);
    const wrong = await agent
      .post('/me/delete')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), password: 'wrong password!', posts: 'keep' });
    expect(wrong.status).toBe(422);
    const done = await agent
      .post('/me/delete')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), password: TEST_PASSWORD, posts: 'keep' })
      .expect(200);
    expect(done.text).toContain('Your account has been deleted');
    await disconnected;
    socket.close();
    const after = await otherDevice.get('/me/data');
    expect(after.status).toBe(303);
    await expect(signIn(t.baseUrl, member.email, TEST_PASSWORD)).rejects.toThrow();
    expect((await User.findById(member._id).lean())?.status).toBe('erased');
  });
});

describe('administrators', () => {
  it('see the scheduled jobs and can make a memorial account; members get 404', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const secret = await enableTotp(admin._id);
    const agent = await signIn(t.baseUrl, admin.email, TEST_PASSWORD, {
      secret,
      clock: t.deps.clock,
    });
    const page = await agent.get('/admin/accounts').expect(200);
    expect(page.text).toContain('retention');
    const person = await createUser();
    const { group } = await createGroupWithPeople();
    await addMember(person, group);
    await agent
      .post('/admin/accounts/memorial')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), userId: String(person._id), reason: 'Family request' })
      .expect(303);
    expect((await User.findById(person._id).lean())?.status).toBe('memorial');
    await expect(signIn(t.baseUrl, person.email, TEST_PASSWORD)).rejects.toThrow();

    const member = await createUser();
    const memberAgent = await signIn(t.baseUrl, member.email, TEST_PASSWORD);
    await memberAgent.get('/admin/accounts').expect(404);
  });
});

describe('privacy by default', () => {
  it('no page loads anything from another site, and nothing inside is indexable', async () => {
    const { member, group, moderator } = await createGroupWithPeople();
    const agent = await signIn(t.baseUrl, member.email, TEST_PASSWORD);
    const paths = [
      '/',
      '/login',
      '/account',
      '/notifications',
      '/me/notifications/settings',
      '/me/data',
      '/me/messages',
      `/g/${group.slug}`,
      `/g/${group.slug}/conversation`,
    ];
    const external = /<(script|link|img|source|iframe)\b[^>]*\b(src|href)="(https?:)?\/\/[^"]*"/gi;
    for (const path of paths) {
      const res = await agent.get(path);
      expect({ path, status: res.status < 400 }).toEqual({ path, status: true });
      const found = res.text.match(external) ?? [];
      expect({ path, found }).toEqual({ path, found: [] });
      if (path !== `/g/${group.slug}`) {
        expect({ path, robots: res.headers['x-robots-tag'] }).toEqual({
          path,
          robots: 'noindex, nofollow',
        });
      }
      // Other members' e-mail addresses appear nowhere.
      expect(res.text).not.toContain(moderator.email);
    }
  });
});
