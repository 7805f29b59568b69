import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import request from 'supertest';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import { Consent, JobRun, Post, type GroupDoc, type UserDoc } from '../../models';
import { RETENTION_JOB } from '../../server/services/retention';
import { ManualClock } from '../../server/clock';
import { startCluster, type Cluster } from '../../server/cluster/cluster';
import type { Ack } from '../../server/sockets/define-handler';
import { TEST_PASSWORD_PEPPER } from '../helpers/deps';
import { TEST_PASSWORD, addMember, createGroup, createUser } from '../helpers/factories';
import { csrfFrom, enableTotp, signIn, type SignedInAgent } from '../helpers/test-app';

/**
 * Three Harbour processes on one database and one Redis, behind the round-robin proxy of
 * `npm run cluster`: every HTTP request and every socket of one person may land on a different
 * instance. What each person sees is what they would notice in the browser.
 */
let cluster: Cluster;
const open: ClientSocket[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    instances: 3,
    env: { PASSWORD_PEPPER: TEST_PASSWORD_PEPPER, BCRYPT_COST: '4', LOG_LEVEL: 'warn' },
  });
  await mongoose.connect(cluster.mongodbUri);
}, 90_000);

afterAll(async () => {
  open.splice(0).forEach((s) => s.close());
  await mongoose.disconnect();
  await cluster?.stop();
}, 30_000);

const key = () => randomBytes(12).toString('hex');
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

interface Person {
  user: UserDoc;
  agent: SignedInAgent;
  socket: ClientSocket;
  /** Every post:published this socket received, in order (duplicates kept). */
  live: Array<{ id: string; seq: number }>;
  received: Array<{ event: string; data: unknown }>;
}

function emit<T = unknown>(socket: ClientSocket, event: string, payload: unknown, ms = 5000) {
  return new Promise<Ack & { data?: T }>((resolve, reject) => {
    socket.timeout(ms).emit(event, payload, (err: Error | null, ack: Ack) => {
      if (err) reject(err);
      else resolve(ack as Ack & { data?: T });
    });
  });
}

async function person(group: GroupDoc, roles: Array<'member' | 'moderator'> | null) {
  const user = await createUser();
  if (roles) await addMember(user, group, roles);
  // The site's terms and privacy notice (seeded by the instances at start) are accepted too.
  await Consent.create([
    { user: user._id, kind: 'terms', group: null, version: 1, acceptedAt: new Date() },
    { user: user._id, kind: 'privacy', group: null, version: 1, acceptedAt: new Date() },
  ]);
  return user;
}

/** Signs in through the proxy (each request round-robin) and connects a socket. */
async function connect(
  user: UserDoc,
  opts: { moderator?: boolean; instance?: number; reconnect?: boolean } = {},
): Promise<Person> {
  const secret = opts.moderator ? await enableTotp(user._id) : undefined;
  const agent = await signIn(
    cluster.proxyUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: new ManualClock(new Date()) } : undefined,
  );
  const target =
    opts.instance === undefined ? cluster.proxyUrl : cluster.instanceUrls[opts.instance]!;
  const socket = connectSocket(target, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: opts.reconnect ?? false,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    extraHeaders: { cookie: agent.cookie(), origin: cluster.proxyUrl },
  });
  open.push(socket);
  const p: Person = { user, agent, socket, live: [], received: [] };
  socket.onAny((event: string, data: unknown) => {
    p.received.push({ event, data });
    if (event === 'post:published') {
      const post = data as { id: string; seq: number };
      p.live.push({ id: post.id, seq: post.seq });
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return p;
}

async function submitAndApprove(group: GroupDoc, author: Person, mod: Person, body: string) {
  const sent = await emit<{ post: { id: string; version: number } }>(author.socket, 'post:submit', {
    group: group.slug,
    body,
    idempotencyKey: key(),
  });
  if (!sent.ok) throw new Error(JSON.stringify(sent));
  const postId = sent.data!.post.id;
  const approved = await emit(mod.socket, 'review:approve', { postId, version: 1 });
  if (!approved.ok) throw new Error(JSON.stringify(approved));
  return postId;
}

describe('Harbour as three instances behind a round-robin proxy', () => {
  it('runs the daily retention job once although three instances started their schedulers together', async () => {
    // Every instance ticks at start; each job runs under its database lease. A run is recorded
    // when it ends: on a busy machine that can be a moment after the instances answer /readyz.
    const until = Date.now() + 15_000;
    while (Date.now() < until && !(await JobRun.exists({ name: RETENTION_JOB }))) await settle(200);
    await settle(1000);
    const runs = await JobRun.find({}).sort({ startedAt: 1 }).lean();
    expect(runs.filter((r) => r.name === RETENTION_JOB)).toHaveLength(1);
    // Runs of one job never overlap in time (the lease is held from start to finish).
    for (const name of new Set(runs.map((r) => r.name))) {
      const mine = runs.filter((r) => r.name === name);
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(
          mine[i - 1]!.finishedAt!.getTime(),
        );
      }
    }
  });

  it('spreads one member’s requests over the instances and keeps them signed in', async () => {
    const group = await createGroup();
    const user = await person(group, ['member']);
    const before = cluster.proxy.counts();
    const agent = await signIn(cluster.proxyUrl, user.email, TEST_PASSWORD);
    for (let i = 0; i < 6; i++) {
      const page = await agent.get(`/g/${group.slug}/conversation`).expect(200);
      expect(page.text).toContain('Test support group');
    }
    const after = cluster.proxy.counts();
    const used = cluster.instanceUrls.filter((u) => {
      const k = u.replace('http://', '');
      return (after.get(k) ?? 0) > (before.get(k) ?? 0);
    });
    expect(used).toHaveLength(3);
    for (const url of [cluster.proxyUrl, ...cluster.instanceUrls]) {
      await request(url).get('/readyz').expect(200, { ok: true, database: true, redis: true });
    }
  });

  it('counts failed sign-ins for one account across all instances', async () => {
    const user = await createUser();
    const agent = request.agent(cluster.proxyUrl);
    const attempt = async (password: string) => {
      const page = await agent.get('/login').expect(200);
      const res = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: user.email, password });
      return res.status;
    };
    // Five wrong guesses, spread by the proxy over three instances (two or fewer on each).
    for (let i = 0; i < 5; i++) expect(await attempt('not the password')).toBe(401);
    // The sixth try is refused, even with the right password, wherever it lands.
    expect(await attempt(TEST_PASSWORD)).toBe(429);
  });

  it('a post approved on one instance reaches members on every instance exactly once; a removed member is cut off everywhere', async () => {
    const group = await createGroup();
    const [authorU, aU, bU, modU, outsiderU] = await Promise.all([
      person(group, ['member']),
      person(group, ['member']),
      person(group, ['member']),
      person(group, ['member', 'moderator']),
      person(group, null),
    ]);
    const author = await connect(authorU, { instance: 0 });
    const a = await connect(aU, { instance: 1 });
    const b = await connect(bU, { instance: 2 });
    const mod = await connect(modU, { moderator: true, instance: 1 });
    const outsider = await connect(outsiderU, { instance: 0 });

    const postId = await submitAndApprove(group, author, mod, 'Shared across instances');
    await settle();
    for (const p of [author, a, b, mod]) {
      expect(p.live.filter((x) => x.id === postId)).toHaveLength(1);
    }
    expect(outsider.live).toEqual([]);
    // The author (instance 1) hears of the decision taken on instance 2.
    expect(
      author.received.filter(
        (r) => r.event === 'post:decided' && (r.data as { postId: string }).postId === postId,
      ),
    ).toHaveLength(1);

    // The moderator removes b with a request served by instance 1; b's socket is on instance 3
    // and leaves the group's rooms at once, and is told why.
    await request(cluster.instanceUrls[0]!)
      .post(`/g/${group.slug}/members/remove`)
      .set('Cookie', mod.agent.cookie())
      .set('Origin', cluster.proxyUrl)
      .type('form')
      .send({ _csrf: mod.agent.csrf(), userId: String(bU._id), reason: 'Left the group rules' })
      .expect(303);
    await settle();
    expect(b.received.map((r) => r.event)).toContain('membership:changed');

    const second = await submitAndApprove(group, author, mod, 'After the removal');
    await settle();
    expect(b.live.map((x) => x.id)).toEqual([postId]);
    expect(a.live.map((x) => x.id)).toEqual([postId, second]);
    const catchUp = await emit(b.socket, 'posts:catch_up', {
      groupId: String(group._id),
      afterSeq: 0,
    });
    expect(catchUp).toMatchObject({ ok: false, error: { code: 'not_found' } });
  }, 40_000);

  it('an instance killed mid-conversation loses no acknowledged post; its members reconnect through the proxy and catch up without gaps or duplicates', async () => {
    const group = await createGroup();
    const [authorU, modU, ...readerUs] = await Promise.all([
      person(group, ['member']),
      person(group, ['member', 'moderator']),
      person(group, ['member']),
      person(group, ['member']),
      person(group, ['member']),
    ]);
    // The moderator stays on instance 2. The author and the readers come through the proxy
    // while it sends everything to instance 1 (the one about to die), and reconnect through it.
    const mod = await connect(modU, { moderator: true, instance: 1 });
    const backends = cluster.instanceUrls.map((u) => {
      const { hostname, port } = new URL(u);
      return { host: hostname, port: Number(port) };
    });
    cluster.proxy.setBackends([backends[0]!]);
    const readers: Person[] = [];
    let author: Person;
    try {
      author = await connect(authorU, { reconnect: true });
      for (const u of readerUs) readers.push(await connect(u, { reconnect: true }));
    } finally {
      cluster.proxy.setBackends(backends);
    }

    // The reader's client: live posts, and on reconnect a catch-up from the last seq it saw.
    const seen = readers.map(() => new Map<string, number>());
    const caught = readers.map(() => [] as Array<{ id: string; seq: number }>);
    const caughtUp = readers.map(() => false);
    readers.forEach((r, i) => {
      r.socket.on('post:published', (p: { id: string; seq: number }) => seen[i]!.set(p.id, p.seq));
      r.socket.io.on('reconnect', () => {
        const last = Math.max(0, ...seen[i]!.values());
        void emit<{ posts: Array<{ id: string; seq: number }> }>(r.socket, 'posts:catch_up', {
          groupId: String(group._id),
          afterSeq: last,
        }).then((ack) => {
          for (const p of ack.data?.posts ?? []) {
            caught[i]!.push({ id: p.id, seq: p.seq });
            seen[i]!.set(p.id, p.seq);
          }
          caughtUp[i] = true;
        });
      });
    });

    // The author's client: a send is retried with the same idempotency key until acknowledged
    // (over a new connection if the old one died); the server keeps one post per key.
    const sendUntilAcknowledged = async (body: string): Promise<string> => {
      const idempotencyKey = key();
      for (;;) {
        if (!author.socket.connected) await settle(100);
        else {
          try {
            const ack = await emit<{ post: { id: string } }>(
              author.socket,
              'post:submit',
              { group: group.slug, body, idempotencyKey },
              2000,
            );
            if (ack.ok) return ack.data!.post.id;
          } catch {
            // no acknowledgement (the instance died with the request): send again
          }
        }
      }
    };
    const acknowledged: string[] = [];
    for (let n = 0; n < 8; n++) {
      const sending = sendUntilAcknowledged(`Message number ${n}`);
      // Instance 1 dies without a goodbye while the fifth message is on its way.
      if (n === 4) await cluster.kill(0);
      const postId = await sending;
      acknowledged.push(postId);
      const approved = await emit(mod.socket, 'review:approve', { postId, version: 1 });
      expect(approved.ok).toBe(true);
    }
    const until = Date.now() + 15_000;
    while (caughtUp.includes(false) && Date.now() < until) await settle(100);
    expect(caughtUp).toEqual(readers.map(() => true));
    await settle(500);

    // Stored: every acknowledged post is in the database, approved, with its own seq.
    const stored = await Post.find({ _id: { $in: acknowledged } }).lean();
    expect(stored.map((p) => p.status)).toEqual(acknowledged.map(() => 'approved'));
    const seqs = stored.map((p) => p.seq).sort((x, y) => (x ?? 0) - (y ?? 0));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Retries made no second copy of any message.
    expect(await Post.countDocuments({ group: group._id })).toBe(8);
    expect(author.socket.connected).toBe(true);

    for (let i = 0; i < readers.length; i++) {
      const r = readers[i]!;
      // Live deliveries never repeat a post, and live + catch-up together miss none.
      const liveIds = r.live.map((x) => x.id);
      expect(new Set(liveIds).size).toBe(liveIds.length);
      const caughtIds = caught[i]!.map((x) => x.id);
      expect(new Set(caughtIds).size).toBe(caughtIds.length);
      expect([...seen[i]!.keys()].sort()).toEqual([...acknowledged].sort());
      expect([...seen[i]!.values()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(r.socket.connected).toBe(true);
    }
    // The proxy now serves from the two instances left.
    await request(cluster.proxyUrl).get('/readyz').expect(200);
  }, 60_000);

  it('SIGTERM of one instance tells only its own members to reconnect; the others stay connected', async () => {
    const group = await createGroup();
    const [a, b] = await Promise.all([person(group, ['member']), person(group, ['member'])]);
    // Instance 0 was killed above: A is on instance 1, B on instance 2.
    const onOne = await connect(a, { instance: 1 });
    const onTwo = await connect(b, { instance: 2 });
    const gone = new Promise((resolve) => onOne.socket.once('disconnect', resolve));
    expect(await cluster.terminate(1)).toBe(0);
    await gone;
    await settle();
    expect(onOne.received.map((r) => r.event)).toContain('server:shutdown');
    expect(onTwo.received.map((r) => r.event)).not.toContain('server:shutdown');
    expect(onTwo.socket.connected).toBe(true);
    const still = await emit(onTwo.socket, 'posts:catch_up', {
      groupId: String(group._id),
      afterSeq: 0,
    });
    expect(still.ok).toBe(true);
  }, 60_000);
});
