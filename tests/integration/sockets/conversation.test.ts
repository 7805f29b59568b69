import { randomBytes } from 'node:crypto';
import type { Socket as ClientSocket } from 'socket.io-client';
import { Group, Membership, type GroupDoc, type UserDoc } from '../../../models';
import type { Ack } from '../../../server/sockets/define-handler';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroup,
  createUser,
} from '../../helpers/factories';
import { enableTotp, signIn, socketFor, startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * Several real socket.io-client users on one group: the author, another member, two moderators,
 * a non-member and a removed member. What each of them receives is what a person would see.
 */
let t: TestApp;
const open: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'sockets-conversation' });
});
afterEach(() => {
  open.splice(0).forEach((s) => s.close());
});
afterAll(async () => {
  await t.close();
});

interface Person {
  user: UserDoc;
  socket: ClientSocket;
  received: Array<{ event: string; data: unknown }>;
}

const key = () => randomBytes(12).toString('hex');

function emit<T = unknown>(socket: ClientSocket, event: string, payload: unknown) {
  return new Promise<Ack & { data?: T }>((resolve) => {
    socket.emit(event, payload, (ack: Ack) => resolve(ack as Ack & { data?: T }));
  });
}

const secrets = new Map<string, string>();

/** Signs in (moderators with their second factor, as the site requires) and connects a socket. */
async function connect(user: UserDoc, moderator = false): Promise<Person> {
  if (moderator && !secrets.has(String(user._id))) {
    secrets.set(String(user._id), await enableTotp(user._id));
  }
  const secret = secrets.get(String(user._id));
  const agent = await signIn(
    t.baseUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
  const socket = await socketFor(agent);
  open.push(socket);
  const received: Person['received'] = [];
  socket.onAny((event: string, data: unknown) => received.push({ event, data }));
  return { user, socket, received };
}

/** Lets the broadcaster's async listeners and the socket frames settle. */
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

function events(p: Person, name: string) {
  return p.received.filter((r) => r.event === name).map((r) => r.data as Record<string, unknown>);
}

async function world() {
  const group: GroupDoc = await createGroup();
  const make = async (roles: Array<'member' | 'moderator'> | null) => {
    const user = await createUser();
    if (roles) await addMember(user, group, roles);
    return user;
  };
  const [author, other, mod, mod2, outsider, removed] = await Promise.all([
    make(['member']),
    make(['member']),
    make(['member', 'moderator']),
    make(['member', 'moderator']),
    make(null),
    make(['member']),
  ]);
  const people = {
    author: await connect(author),
    other: await connect(other),
    mod: await connect(mod, true),
    mod2: await connect(mod2, true),
    outsider: await connect(outsider),
    removed: await connect(removed),
  };
  // Removed after connecting: the broadcaster must take the live socket out of the rooms.
  await Membership.updateOne(
    { user: removed._id, group: group._id },
    { $set: { status: 'removed', endedAt: new Date() } },
  );
  t.deps.events.emit('membership.changed', {
    groupId: String(group._id),
    userId: String(removed._id),
    status: 'removed',
  });
  await settle();
  return { group, slug: group.slug, ...people };
}

type World = Awaited<ReturnType<typeof world>>;

async function submit(w: World, who: Person, body: string, extra: Record<string, unknown> = {}) {
  const ack = await emit<{
    status: string;
    post: { id: string; version: number };
    support?: unknown;
  }>(who.socket, 'post:submit', { group: w.slug, body, idempotencyKey: key(), ...extra });
  if (!ack.ok) throw new Error(JSON.stringify(ack));
  return ack.data!;
}

const everyone = (w: World) => [w.author, w.other, w.mod, w.mod2, w.outsider, w.removed];
const members = (w: World) => [w.author, w.other, w.mod, w.mod2];

describe('live conversation over Socket.IO', () => {
  it('a pending post reaches only its author and the moderators — live, in pages and the API', async () => {
    const w = await world();
    const { post } = await submit(w, w.author, 'Only for the moderators until approved');
    await settle();
    for (const p of everyone(w)) {
      const leaked = JSON.stringify(p.received).includes('Only for the moderators');
      expect([p === w.author, leaked]).toEqual([p === w.author, p === w.author]);
    }
    expect(events(w.author, 'post:own')[0]).toMatchObject({ id: post.id, status: 'pending' });
    expect(events(w.mod, 'queue:changed').length).toBeGreaterThan(0);
    expect(events(w.other, 'queue:changed')).toEqual([]);

    const caught = await emit<{ posts: unknown[] }>(w.other.socket, 'posts:catch_up', {
      groupId: String(w.group._id),
      afterSeq: 0,
    });
    expect(caught.data?.posts).toEqual([]);
    const otherAgent = await signIn(t.baseUrl, w.other.user.email, TEST_PASSWORD);
    const page = await otherAgent.get(`/g/${w.slug}/conversation`).expect(200);
    expect(page.text).not.toContain('Only for the moderators');
    const api = await otherAgent.get(`/api/groups/${w.slug}/posts`).expect(200);
    expect(api.text).not.toContain('Only for the moderators');
    const since = await otherAgent.get(`/api/groups/${w.slug}/posts/since?after=0`).expect(200);
    expect(since.text).not.toContain('Only for the moderators');
    await otherAgent.get(`/g/${w.slug}/queue`).expect(404);
    const queue = await emit(w.other.socket, 'review:queue', { group: w.slug });
    expect(queue).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const outsiderQueue = await emit(w.outsider.socket, 'posts:catch_up', {
      groupId: String(w.group._id),
      afterSeq: 0,
    });
    expect(outsiderQueue).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('approval reaches every member exactly once, and nobody outside', async () => {
    const w = await world();
    const { post } = await submit(w, w.author, 'Good news today');
    const ack = await emit(w.mod.socket, 'review:approve', { postId: post.id, version: 1 });
    expect(ack.ok).toBe(true);
    await settle();
    for (const p of members(w)) {
      const got = events(p, 'post:published').filter((e) => e.id === post.id);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ body: 'Good news today', groupId: String(w.group._id) });
    }
    expect(events(w.outsider, 'post:published')).toEqual([]);
    expect(events(w.removed, 'post:published')).toEqual([]);
    expect(events(w.author, 'post:decided')[0]).toMatchObject({
      postId: post.id,
      action: 'approved',
    });
    expect(events(w.author, 'notification:created').map((n) => n.kind)).toContain('post_approved');
  });

  it('a topic changed after approval moves the label for every member at once, nobody outside', async () => {
    const w = await world();
    const { post } = await submit(w, w.author, 'Finished my last round today', {
      topic: 'treatment',
    });
    await emit(w.mod.socket, 'review:approve', { postId: post.id, version: 1 });
    await settle();
    await t.services.topics.setPostTopic(actorFor(w.mod.user), {
      postId: post.id,
      topic: 'celebrations',
    });
    await settle();
    for (const p of members(w)) {
      expect(events(p, 'post:topic')).toEqual([
        {
          groupId: String(w.group._id),
          postId: post.id,
          topic: { id: 'celebrations', name: 'Celebrations' },
        },
      ]);
    }
    expect(events(w.outsider, 'post:topic')).toEqual([]);
    expect(events(w.removed, 'post:topic')).toEqual([]);
  });

  it('rejection reaches the author with its rule and note', async () => {
    const w = await world();
    const { post } = await submit(w, w.author, 'Not quite right');
    const ack = await emit(w.mod.socket, 'review:reject', {
      postId: post.id,
      version: 1,
      ruleId: 'r-kind',
      note: 'Could you say it more gently?',
    });
    expect(ack.ok).toBe(true);
    await settle();
    const decided = events(w.author, 'post:decided')[0] as {
      action: string;
      post: { rejection: { ruleTitle: string; note: string } };
    };
    expect(decided.action).toBe('rejected');
    expect(decided.post.rejection).toMatchObject({
      ruleTitle: 'Be kind',
      note: 'Could you say it more gently?',
    });
    expect(JSON.stringify(w.other.received)).not.toContain('Not quite right');
  });

  it('two moderators approving at once: exactly one wins, the other hears post_already_decided', async () => {
    const w = await world();
    const { post } = await submit(w, w.author, 'Race me');
    const [a, b] = await Promise.all([
      emit(w.mod.socket, 'review:approve', { postId: post.id, version: 1 }),
      emit(w.mod2.socket, 'review:approve', { postId: post.id, version: 1 }),
    ]);
    const results = [a, b];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok);
    expect(loser).toMatchObject({ ok: false, error: { code: 'post_already_decided' } });
    await settle();
    expect(events(w.other, 'post:published').filter((e) => e.id === post.id)).toHaveLength(1);
  });

  it('a claim is respected; resubmission and undo work live', async () => {
    const w = await world();
    const { post } = await submit(w, w.author, 'first version');
    expect((await emit(w.mod.socket, 'review:claim', { postId: post.id })).ok).toBe(true);
    const blocked = await emit(w.mod2.socket, 'review:reject', {
      postId: post.id,
      version: 1,
      ruleId: 'r-kind',
    });
    expect(blocked).toMatchObject({ ok: false, error: { code: 'post_claimed' } });
    const missing = await emit(w.mod.socket, 'review:approve', { postId: post.id });
    expect(missing).toMatchObject({ ok: false, error: { code: 'version_required' } });

    expect(
      (await emit(w.mod.socket, 'review:reject', { postId: post.id, version: 1, ruleId: 'r-kind' }))
        .ok,
    ).toBe(true);
    const again = await emit<{ status: string; post: { version: number } }>(
      w.author.socket,
      'post:resubmit',
      { postId: post.id, version: 2, body: 'second version' },
    );
    expect(again).toMatchObject({
      ok: true,
      data: { status: 'stored', post: { status: 'pending' } },
    });
    const approved = await emit<{ version: number }>(w.mod.socket, 'review:approve', {
      postId: post.id,
      version: again.data!.post.version,
    });
    expect(approved.ok).toBe(true);
    const undo = await emit(w.mod.socket, 'review:undo', {
      postId: post.id,
      version: approved.data!.version,
    });
    expect(undo.ok).toBe(true);
    await settle();
    expect(events(w.other, 'post:published').map((e) => e.body)).toEqual(['second version']);
    expect(events(w.other, 'post:hidden')).toEqual([
      { groupId: String(w.group._id), postId: post.id },
    ]);
  });

  it('crisis language: support in the ack at once and first place in the queue', async () => {
    const w = await world();
    await submit(w, w.other, 'Just saying hello');
    const crisis = await submit(w, w.author, "I don't want to be here any more");
    expect(crisis.support).toEqual([
      { label: 'Emergency services', detail: 'Call 112 or 999' },
      { label: 'Samaritans (free, day or night)', detail: 'Call 116 123' },
    ]);
    const queue = await emit<{ items: Array<{ id: string; lane: string }> }>(
      w.mod.socket,
      'review:queue',
      { group: w.slug },
    );
    expect(queue.data?.items[0]).toMatchObject({ id: crisis.post.id, lane: 'priority' });
  });

  it('the same idempotency key twice stores one post', async () => {
    const w = await world();
    const k = key();
    const [a, b] = await Promise.all([
      emit<{ post: { id: string } }>(w.author.socket, 'post:submit', {
        group: w.slug,
        body: 'Sent twice on a bad connection',
        idempotencyKey: k,
      }),
      emit<{ post: { id: string } }>(w.author.socket, 'post:submit', {
        group: w.slug,
        body: 'Sent twice on a bad connection',
        idempotencyKey: k,
      }),
    ]);
    expect(a.data?.post.id).toBe(b.data?.post.id);
    const queue = await emit<{ items: unknown[] }>(w.mod.socket, 'review:queue', { group: w.slug });
    expect(queue.data?.items).toHaveLength(1);
  });

  it('after a reconnect, catch-up returns every missed post in order, no gaps, no duplicates', async () => {
    const w = await world();
    const first = await submit(w, w.author, 'seen live');
    await emit(w.mod.socket, 'review:approve', { postId: first.post.id, version: 1 });
    await settle();
    const lastSeen = events(w.other, 'post:published')[0]?.seq as number;
    w.other.socket.close();

    const missed: string[] = [];
    for (const body of ['missed one', 'missed two', 'missed three']) {
      const { post } = await submit(w, w.author, body);
      await emit(w.mod.socket, 'review:approve', { postId: post.id, version: 1 });
      missed.push(post.id);
    }
    const back = await connect(w.other.user);
    const page1 = await emit<{ posts: Array<{ id: string; seq: number }>; more: boolean }>(
      back.socket,
      'posts:catch_up',
      { groupId: String(w.group._id), afterSeq: lastSeen, limit: 2 },
    );
    expect(page1.data?.more).toBe(true);
    const page2 = await emit<{ posts: Array<{ id: string; seq: number }>; more: boolean }>(
      back.socket,
      'posts:catch_up',
      { groupId: String(w.group._id), afterSeq: page1.data!.posts[1]!.seq },
    );
    expect(page2.data?.more).toBe(false);
    const ids = [...page1.data!.posts, ...page2.data!.posts].map((p) => p.id);
    expect(ids).toEqual(missed);
  });

  it('a removed member stops receiving at once and is told why; a muted one reads but cannot post', async () => {
    const w = await world();
    expect(events(w.removed, 'membership:changed')[0]).toMatchObject({
      status: 'removed',
      message: 'You are no longer a member of this group.',
    });
    const refused = await emit(w.removed.socket, 'post:submit', {
      group: w.slug,
      body: 'still here?',
      idempotencyKey: key(),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const until = new Date(t.deps.clock.now().getTime() + 24 * 3600_000);
    await Membership.updateOne(
      { user: w.other.user._id, group: w.group._id },
      { $set: { mutedUntil: until } },
    );
    t.deps.events.emit('membership.changed', {
      groupId: String(w.group._id),
      userId: String(w.other.user._id),
      status: 'muted',
    });
    await settle();
    expect(events(w.other, 'membership:changed')[0]).toMatchObject({ status: 'muted' });
    const muted = await emit(w.other.socket, 'post:submit', {
      group: w.slug,
      body: 'can I?',
      idempotencyKey: key(),
    });
    expect(muted).toMatchObject({
      ok: false,
      error: { code: 'muted', details: { until: until.toISOString() } },
    });
    const { post } = await submit(w, w.author, 'still readable by the muted member');
    await emit(w.mod.socket, 'review:approve', { postId: post.id, version: 1 });
    await settle();
    expect(events(w.other, 'post:published').map((e) => e.id)).toContain(post.id);
  });

  it('a member who must accept new rules is read-only with consent_required', async () => {
    const w = await world();
    await Group.updateOne({ _id: w.group._id }, { $inc: { rulesVersion: 1 } });
    const refused = await emit(w.other.socket, 'post:submit', {
      group: w.slug,
      body: 'hello',
      idempotencyKey: key(),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'consent_required' } });
    const read = await emit(w.other.socket, 'posts:catch_up', {
      groupId: String(w.group._id),
      afterSeq: 0,
    });
    expect(read.ok).toBe(true);
  });

  it('malformed payloads are answered with a code, never a crash', async () => {
    const w = await world();
    const cases: unknown[] = [
      {},
      { group: w.slug, body: '', idempotencyKey: key() },
      { group: w.slug, body: '   \n  ', idempotencyKey: key() },
      { group: w.slug, body: 'x'.repeat(5001), idempotencyKey: key() },
      { group: w.slug, body: 42, idempotencyKey: key() },
      { group: { $ne: null }, body: 'hi', idempotencyKey: key() },
      { group: w.slug, body: 'hi', idempotencyKey: 'short' },
      'not an object',
      null,
    ];
    for (const payload of cases) {
      const ack = await emit(w.author.socket, 'post:submit', payload);
      expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    const badReaction = await emit(w.author.socket, 'post:react', {
      postId: '0'.repeat(24),
      kind: 'angry',
    });
    expect(badReaction).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const catchUp = await emit(w.author.socket, 'posts:catch_up', {
      groupId: w.slug,
      afterSeq: -1,
    });
    expect(catchUp).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('submissions are rate limited per member', async () => {
    const w = await world();
    const results: Ack[] = [];
    for (let i = 0; i < 22; i += 1) {
      results.push(
        await emit(w.mod2.socket, 'post:submit', {
          group: w.slug,
          body: `post number ${i}`,
          idempotencyKey: key(),
        }),
      );
    }
    expect(results.filter((r) => r.ok).length).toBeLessThanOrEqual(20);
    expect(results.at(-1)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  it('reactions on approved posts are live for everyone in the group', async () => {
    const w = await world();
    const { post } = await submit(w, w.author, 'A milestone');
    await emit(w.mod.socket, 'review:approve', { postId: post.id, version: 1 });
    const ack = await emit(w.other.socket, 'post:react', { postId: post.id, kind: 'clap' });
    expect(ack).toMatchObject({ ok: true, data: { mine: true, reactions: { clap: 1 } } });
    await settle();
    expect(events(w.mod2, 'post:reactions')[0]).toMatchObject({
      postId: post.id,
      reactions: { clap: 1 },
    });
    expect(events(w.outsider, 'post:reactions')).toEqual([]);
  });
});
