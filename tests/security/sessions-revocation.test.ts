import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import request from 'supertest';
import { Membership, SessionRecord, User, type GroupDoc, type UserDoc } from '../../models';
import { allRoutes } from '../../server/http/routes';
import { SESSION_SWEEP_MS } from '../../server/sockets';
import { actorFor, addMember, createGroup, createUser, TEST_PASSWORD } from '../helpers/factories';
import {
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type SignedInAgent,
  type TestApp,
} from '../helpers/test-app';

/**
 * Revocation is immediate (removal, suspension, sign-out, role change, session expiry stop live
 * delivery), the socket handshake refuses forged, stale and missing cookies and foreign origins,
 * and every state-changing route refuses foreign CSRF tokens and cross-site requests.
 * (Password change and "sign out everywhere" are covered in tests/integration; account deletion
 * does not exist yet: it belongs to the privacy branch.)
 */
let t: TestApp;
const open: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'security-sessions' });
});
afterAll(async () => {
  for (const s of open) s.close();
  await t.close();
});

interface World {
  group: GroupDoc;
  author: UserDoc;
  moderator: UserDoc;
  advocate: UserDoc;
  witness: { user: UserDoc; socket: ClientSocket };
  target: { user: UserDoc; agent: SignedInAgent; socket: ClientSocket; got: string[] };
}

async function world(): Promise<World> {
  const group = await createGroup();
  const [author, moderator, advocate, witnessUser, targetUser] = await Promise.all([
    createUser(),
    createUser(),
    createUser(),
    createUser(),
    createUser(),
  ]);
  await addMember(author, group, ['member']);
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(advocate, group, ['member', 'advocate']);
  await addMember(witnessUser, group, ['member']);
  await addMember(targetUser, group, ['member']);
  const witness = await socketFor(await signIn(t.baseUrl, witnessUser.email, TEST_PASSWORD));
  const agent = await signIn(t.baseUrl, targetUser.email, TEST_PASSWORD);
  const socket = await socketFor(agent);
  open.push(witness, socket);
  const got: string[] = [];
  socket.on('post:published', (p: { body?: string }) => got.push(String(p.body)));
  return {
    group,
    author,
    moderator,
    advocate,
    witness: { user: witnessUser, socket: witness },
    target: { user: targetUser, agent, socket, got },
  };
}

/** Publishes a post and waits until a member who may still read it has it live. */
async function publish(w: World, body: string): Promise<void> {
  const arrived = new Promise<void>((resolve) => {
    const on = (p: { body?: string }) => {
      if (p.body === body) {
        w.witness.socket.off('post:published', on);
        resolve();
      }
    };
    w.witness.socket.on('post:published', on);
  });
  const res = await t.services.posts.submitPost(actorFor(w.author), {
    group: w.group.slug,
    body,
    idempotencyKey: `rev-${Date.now()}-${Math.floor(performance.now())}`,
    acknowledgedFindings: true,
  });
  if (res.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(w.moderator), { postId: res.post.id, version: 1 });
  await arrived;
  // Emits to one room reach every socket in it in the same tick; give the loopback a moment.
  await new Promise((r) => setTimeout(r, 50));
}

function disconnected(socket: ClientSocket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', resolve));
}

describe('revocation stops live delivery at once', () => {
  it('removal by an advocate (through the real route)', async () => {
    const w = await world();
    await publish(w, 'before removal');
    expect(w.target.got).toEqual(['before removal']);
    const advocate = await signIn(t.baseUrl, w.advocate.email, TEST_PASSWORD, {
      secret: await enableTotp(w.advocate._id),
      clock: t.deps.clock,
    });
    const res = await advocate
      .post(`/g/${w.group.slug}/members/remove`)
      .type('form')
      .send({ _csrf: advocate.csrf(), userId: String(w.target.user._id), reason: 'Abuse' });
    expect(res.status).toBe(303);
    await publish(w, 'after removal');
    expect(w.target.got).toEqual(['before removal']);
  });

  it('account deletion (through the real route) ends every socket of that person', async () => {
    const w = await world();
    await publish(w, 'before deletion');
    expect(w.target.got).toEqual(['before deletion']);
    const gone = disconnected(w.target.socket);
    const res = await w.target.agent
      .post('/me/delete')
      .type('form')
      .send({ _csrf: w.target.agent.csrf(), password: TEST_PASSWORD, posts: 'remove' });
    expect(res.status).toBe(200);
    await gone;
    await publish(w, 'after deletion');
    expect(w.target.got).toEqual(['before deletion']);
  });

  it('suspension (the sanction sets suspendedUntil and announces the change)', async () => {
    // Moderation's sanctions (issue 7) are not merged: this is the same write and event.
    const w = await world();
    await publish(w, 'before suspension');
    await Membership.updateOne(
      { user: w.target.user._id, group: w.group._id },
      { $set: { suspendedUntil: new Date(t.deps.clock.now().getTime() + 86_400_000) } },
    );
    t.deps.events.emit('membership.changed', {
      groupId: String(w.group._id),
      userId: String(w.target.user._id),
      status: 'suspended',
    });
    await publish(w, 'after suspension');
    expect(w.target.got).toEqual(['before suspension']);
    const ack = await new Promise<{ ok: boolean; error?: { code: string } }>((resolve) =>
      w.target.socket.emit(
        'posts:catch_up',
        { groupId: String(w.group._id), afterSeq: 0 },
        resolve,
      ),
    );
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('role change: staff powers granted or removed end the sessions (new id, sign in again)', async () => {
    const w = await world();
    const admin = await createUser({ siteRole: 'admin' });
    const adminAgent = await signIn(t.baseUrl, admin.email, TEST_PASSWORD, {
      secret: await enableTotp(admin._id),
      clock: t.deps.clock,
    });
    const oldCookie = w.target.agent.cookie();
    const gone = disconnected(w.target.socket);
    const res = await adminAgent
      .post(`/admin/groups/${String(w.group._id)}/roles`)
      .type('form')
      .send({
        _csrf: adminAgent.csrf(),
        userId: String(w.target.user._id),
        roles: ['member', 'moderator'],
      });
    expect(res.status).toBe(303);
    await gone;
    // The old session is dead for pages and sockets.
    const page = await request(t.baseUrl).get('/account').set('Cookie', oldCookie).redirects(0);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
    await expect(socketFor(w.target.agent)).rejects.toThrow('unauthenticated');
    // Signing in again gives a new session id.
    const again = await signIn(t.baseUrl, w.target.user.email, TEST_PASSWORD);
    expect(again.cookie()).not.toBe(oldCookie);
    // A change that does not touch staff powers leaves sessions alone.
    const member = await signIn(t.baseUrl, w.witness.user.email, TEST_PASSWORD);
    await adminAgent
      .post(`/admin/groups/${String(w.group._id)}/roles`)
      .type('form')
      .send({ _csrf: adminAgent.csrf(), userId: String(w.witness.user._id), roles: ['member'] })
      .expect(303);
    expect((await member.get('/account').redirects(0)).status).toBe(200);
  });

  it('the sweep ends silent sockets whose session is gone, whose account is no longer active, or whose new staff role needs a second factor — and only those', async () => {
    const group = await createGroup();
    const people = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
    for (const p of people) await addMember(p, group, ['member']);
    const [sessionGone, suspended, madeModerator, untouched] = await Promise.all(
      people.map(async (p) => {
        const agent = await signIn(t.baseUrl, p.email, TEST_PASSWORD);
        const socket = await socketFor(agent);
        open.push(socket);
        return { user: p, agent, socket, gone: disconnected(socket) };
      }),
    );
    // Written straight to the database: no event tells the sockets, only the sweep can notice.
    const sid = decodeURIComponent(sessionGone!.agent.cookie().split('=')[1] ?? '')
      .slice(2)
      .split('.')[0];
    await SessionRecord.deleteOne({ _id: sid });
    await User.updateOne({ _id: suspended!.user._id }, { $set: { status: 'suspended' } });
    await Membership.updateOne(
      { user: madeModerator!.user._id, group: group._id },
      { $set: { roles: ['member', 'moderator'] } },
    );
    const within = (gone: Promise<string>) =>
      Promise.race([
        gone,
        new Promise((r) => setTimeout(() => r('still connected'), SESSION_SWEEP_MS * 2 + 1000)),
      ]);
    const [a, b, c] = await Promise.all([
      within(sessionGone!.gone),
      within(suspended!.gone),
      within(madeModerator!.gone),
    ]);
    expect([a, b, c]).toEqual([
      'io server disconnect',
      'io server disconnect',
      'io server disconnect',
    ]);
    expect(untouched!.socket.connected).toBe(true);
  }, 20_000);

  it('session expiry (absolute limit) disconnects a silent socket', async () => {
    const w = await world();
    const gone = disconnected(w.target.socket);
    t.deps.clock.advance(t.deps.config.sessionAbsoluteMs + 60_000);
    try {
      const reason = await Promise.race([
        gone,
        new Promise((r) => setTimeout(() => r('still connected'), SESSION_SWEEP_MS * 2 + 1000)),
      ]);
      expect(reason).toBe('io server disconnect');
    } finally {
      t.deps.clock.advance(0);
    }
  }, 20_000);
});

describe('socket handshake', () => {
  function attempt(headers: Record<string, string>): Promise<string> {
    const socket = connectSocket(t.baseUrl, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: headers,
    });
    return new Promise((resolve) => {
      socket.once('connect', () => {
        socket.close();
        resolve('connected');
      });
      socket.once('connect_error', (e) => {
        socket.close();
        resolve(e.message);
      });
    });
  }

  it('refuses forged, stale and missing cookies, and a missing or foreign Origin', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const cookie = agent.cookie();
    const [name] = cookie.split('=');
    expect(await attempt({ cookie, origin: t.baseUrl })).toBe('connected');
    expect(await attempt({ origin: t.baseUrl })).toBe('unauthenticated');
    // A made-up session id, and a real one with a forged signature.
    expect(await attempt({ cookie: `${name}=s%3Aforged.AAAA`, origin: t.baseUrl })).toBe(
      'unauthenticated',
    );
    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect(await attempt({ cookie: tampered, origin: t.baseUrl })).toBe('unauthenticated');
    expect(await attempt({ cookie, origin: 'https://evil.example' })).not.toBe('connected');
    expect(await attempt({ cookie })).not.toBe('connected');
    // After signing out, the old cookie opens nothing.
    await agent.post('/logout').type('form').send({ _csrf: agent.csrf() }).expect(303);
    expect(await attempt({ cookie, origin: t.baseUrl })).toBe('unauthenticated');
  });
});

describe('CSRF and cross-site requests on every state-changing route', () => {
  function concrete(path: string): string {
    return path.replace(/:([A-Za-z]+)/g, 'x$1');
  }

  it('refuses a foreign token, a cross-site Origin and Sec-Fetch-Site: cross-site', async () => {
    const [a, b] = await Promise.all([createUser(), createUser()]);
    const agent = await signIn(t.baseUrl, a.email, TEST_PASSWORD);
    const other = await signIn(t.baseUrl, b.email, TEST_PASSWORD);
    const failures: unknown[] = [];
    for (const route of allRoutes.filter((r) => r.method !== 'get')) {
      const path = concrete(route.path);
      const attempts = [
        { why: 'foreign token', headers: {}, token: other.csrf() },
        { why: 'cross-site origin', headers: { Origin: 'https://evil.example' }, token: '' },
        { why: 'sec-fetch-site', headers: { 'Sec-Fetch-Site': 'cross-site' }, token: '' },
      ];
      for (const { why, headers, token } of attempts) {
        const res = await agent[route.method](path)
          .set(headers)
          .type('form')
          .send({ _csrf: token || agent.csrf() });
        if (res.status !== 403)
          failures.push({ route: `${route.method} ${path}`, why, status: res.status });
      }
    }
    expect(failures).toEqual([]);
  });
});
