import type { Socket as ClientSocket } from 'socket.io-client';
import { z } from 'zod';
import { ConflictError } from '../../../server/errors';
import { defineHandler, type Ack } from '../../../server/sockets/define-handler';
import { TEST_PASSWORD, addMember, createGroup, createUser } from '../../helpers/factories';
import {
  csrfFrom,
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type TestApp,
} from '../../helpers/test-app';

let releaseEarly: () => void = () => undefined;

/** Handlers standing in for the areas' real ones, to drive the dispatcher. */
const handlers = [
  defineHandler({
    event: 'test:echo',
    schema: z.object({ text: z.string().max(20) }),
    async handle({ actor, input }) {
      return { text: input.text, userId: String(actor.userId) };
    },
  }),
  defineHandler({
    event: 'test:conflict',
    schema: z.object({}),
    async handle() {
      throw new ConflictError('Someone else decided first.', 'post_already_decided');
    },
  }),
  defineHandler({
    event: 'test:crash',
    schema: z.object({}),
    async handle() {
      throw new Error('internal detail that must not leak');
    },
  }),
  defineHandler({
    event: 'test:early',
    schema: z.object({}),
    async handle({ acknowledge }) {
      acknowledge({ stored: true });
      await new Promise<void>((resolve) => {
        releaseEarly = resolve;
      });
      throw new Error('a follow-up failed after the answer');
    },
  }),
  defineHandler({
    event: 'test:react',
    schema: z.object({}),
    rateLimit: 'report',
    async handle() {
      return 'counted';
    },
  }),
];

let t: TestApp;
const open: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'sockets-connection', handlers });
});
afterEach(() => {
  open.splice(0).forEach((s) => s.close());
});
afterAll(async () => {
  await t.close();
});

async function connected(email: string, password = TEST_PASSWORD, totpSecret?: string) {
  const agent = await signIn(
    t.baseUrl,
    email,
    password,
    totpSecret ? { secret: totpSecret, clock: t.deps.clock } : undefined,
  );
  const socket = await socketFor(agent);
  open.push(socket);
  return { agent, socket };
}

function call(socket: ClientSocket, event: string, payload: unknown): Promise<Ack> {
  return socket.timeout(5000).emitWithAck(event, payload) as Promise<Ack>;
}

function disconnected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve) => {
    if (!socket.connected) return resolve();
    socket.once('disconnect', () => resolve());
  });
}

describe('socket connection', () => {
  it('refuses a socket without a session', async () => {
    await expect(
      socketFor({ baseUrl: t.baseUrl, cookie: () => 'harbour.sid=s%3Anot-a-session.x' }),
    ).rejects.toThrow('unauthenticated');
    await expect(socketFor({ baseUrl: t.baseUrl, cookie: () => '' })).rejects.toThrow(
      'unauthenticated',
    );
  });

  it('refuses a foreign Origin even with a valid session', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    await expect(socketFor(agent, { origin: 'https://evil.example' })).rejects.toThrow();
  });

  it('joins the rooms of the groups the person may enter, and moderators their room', async () => {
    const group = await createGroup();
    const otherGroup = await createGroup();
    const member = await createUser();
    const moderator = await createUser();
    await addMember(member, group);
    await addMember(moderator, group, ['member', 'moderator']);
    const m = await connected(member.email);
    // Moderators must use a second factor; without it their socket is refused.
    const early = await signIn(t.baseUrl, moderator.email, TEST_PASSWORD);
    await expect(socketFor(early)).rejects.toThrow('unauthenticated');
    const mod = await connected(moderator.email, TEST_PASSWORD, await enableTotp(moderator._id));

    const received: string[] = [];
    m.socket.on('probe', (p: string) => received.push(`member:${p}`));
    mod.socket.on('probe', (p: string) => received.push(`moderator:${p}`));
    t.io.to(`group:${String(group._id)}`).emit('probe', 'group');
    t.io.to(`group:${String(group._id)}:moderators`).emit('probe', 'mods');
    t.io.to(`group:${String(otherGroup._id)}`).emit('probe', 'other');
    t.io.to(`user:${String(member._id)}`).emit('probe', 'personal');
    await new Promise((r) => setTimeout(r, 200));
    expect(received.sort()).toEqual(
      ['member:group', 'member:personal', 'moderator:group', 'moderator:mods'].sort(),
    );
  });
});

describe('event dispatch', () => {
  it('validates, calls the handler with the actor and acknowledges', async () => {
    const user = await createUser();
    const { socket } = await connected(user.email);
    expect(await call(socket, 'test:echo', { text: 'hello' })).toEqual({
      ok: true,
      data: { text: 'hello', userId: String(user._id) },
    });
    const invalid = await call(socket, 'test:echo', { text: 'x'.repeat(50) });
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(invalid.error.code).toBe('validation_failed');
  });

  it('a handler may answer before it finishes; a failure after the answer is not sent', async () => {
    const user = await createUser();
    const { socket } = await connected(user.email);
    const answers: unknown[] = [];
    socket.emit('test:early', {}, (a: unknown) => answers.push(a));
    const until = Date.now() + 5000;
    while (answers.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    // Answered while the handler is still at work.
    expect(answers).toEqual([{ ok: true, data: { stored: true } }]);
    releaseEarly();
    await new Promise((r) => setTimeout(r, 100));
    expect(answers).toHaveLength(1);
    expect(socket.connected).toBe(true);
  });

  it('passes typed errors through and hides unknown ones', async () => {
    const user = await createUser();
    const { socket } = await connected(user.email);
    const conflict = await call(socket, 'test:conflict', {});
    expect(conflict).toEqual({
      ok: false,
      error: { code: 'post_already_decided', message: 'Someone else decided first.' },
    });
    const crash = await call(socket, 'test:crash', {});
    expect(crash.ok).toBe(false);
    if (!crash.ok) {
      expect(crash.error.code).toBe('internal');
      expect(crash.error.message).not.toContain('internal detail');
    }
  });

  it('answers an undeclared event with an error, and rate limits declared ones', async () => {
    const user = await createUser();
    const { socket } = await connected(user.email);
    const unknown = await call(socket, 'admin:drop_everything', {});
    expect(unknown.ok).toBe(false);
    const answers: Ack[] = [];
    for (let i = 0; i < 11; i++) answers.push(await call(socket, 'test:react', {}));
    expect(answers.slice(0, 10).every((a) => a.ok)).toBe(true);
    const last = answers[10];
    expect(last?.ok).toBe(false);
    if (last && !last.ok) expect(last.error.code).toBe('rate_limited');
  });
});

describe('sessions ending', () => {
  it('a password change disconnects the other sessions’ sockets', async () => {
    const user = await createUser({ password: 'first long password for sockets' });
    const here = await connected(user.email, 'first long password for sockets');
    const there = await connected(user.email, 'first long password for sockets');
    const gone = disconnected(there.socket);
    const res = await here.agent.post('/account/password').type('form').send({
      _csrf: here.agent.csrf(),
      currentPassword: 'first long password for sockets',
      newPassword: 'second long password for sockets',
    });
    expect(res.status).toBe(303);
    await gone;
    // The old session cannot open a new socket.
    await expect(socketFor(there.agent)).rejects.toThrow('unauthenticated');
    // This session still can.
    const again = await socketFor(here.agent);
    open.push(again);
    expect(again.connected).toBe(true);
  });

  it('signing out closes that session’s sockets', async () => {
    const user = await createUser();
    const { agent, socket } = await connected(user.email);
    const gone = disconnected(socket);
    const home = await agent.get('/');
    await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) })
      .expect(303);
    await gone;
    await expect(socketFor(agent)).rejects.toThrow('unauthenticated');
  });
});
