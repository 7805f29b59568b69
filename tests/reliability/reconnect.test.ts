import mongoose from 'mongoose';
import type { Socket as ClientSocket } from 'socket.io-client';
import { addMember, createGroup, createUser, actorFor, TEST_PASSWORD } from '../helpers/factories';
import { signIn, socketFor, startTestApp, type TestApp } from '../helpers/test-app';
import { countCopies, flakySubmits } from './flaky';

/**
 * Flaky connections and reconnects: submissions retried with their idempotency key are stored
 * exactly once; a client resuming from its last per-group sequence number gets exactly the
 * approved messages, in order, never a pending one, after short and long disconnects and after a
 * server restart. (10,000 flaky submissions: `npm run test:chaos`.)
 */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'reliability-reconnect' });
});
afterAll(async () => {
  await t.close();
});

type Ack<T> = { ok: boolean; data?: T; error?: { code: string } };
function emit<T>(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<T>> {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}

describe('submissions over a flaky connection', () => {
  it('300 posts with dropped and duplicated messages: 0 lost, 0 duplicated', async () => {
    const group = await createGroup();
    const user = await createUser();
    await addMember(user, group, ['member']);
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const run = await flakySubmits(t, agent, group, 300, 7);
    expect(run.drops).toBeGreaterThan(10);
    expect(run.duplicates).toBeGreaterThan(10);
    expect(await countCopies(run.keys)).toEqual({ lost: 0, duplicated: 0 });
  }, 120_000);
});

describe('resuming from the last sequence number', () => {
  interface Published {
    id: string;
    seq: number;
    body: string;
  }

  async function catchUpAll(socket: ClientSocket, groupId: string, afterSeq: number) {
    const got: Published[] = [];
    let from = afterSeq;
    for (;;) {
      const ack = await emit<{ posts: Published[]; more: boolean }>(socket, 'posts:catch_up', {
        groupId,
        afterSeq: from,
      });
      if (!ack.ok || !ack.data) throw new Error(`catch-up failed: ${ack.error?.code}`);
      got.push(...ack.data.posts);
      if (!ack.data.more || ack.data.posts.length === 0) return got;
      from = ack.data.posts[ack.data.posts.length - 1]!.seq;
    }
  }

  it('short and long disconnects and a server restart: exactly the approved posts, in order', async () => {
    const group = await createGroup();
    const [author, moderator, reader] = await Promise.all([
      createUser(),
      createUser(),
      createUser(),
    ]);
    await addMember(author, group, ['member']);
    await addMember(moderator, group, ['member', 'moderator']);
    await addMember(reader, group, ['member']);
    const groupId = String(group._id);
    let counter = 0;
    const approvedBodies: string[] = [];
    const pendingBodies: string[] = [];
    const post = async (approve: boolean) => {
      counter++;
      const body = `${approve ? 'Published' : 'Waiting'} message ${counter}`;
      const res = await t.services.posts.submitPost(actorFor(author), {
        group: group.slug,
        body,
        idempotencyKey: `resume-${counter}-key`,
        acknowledgedFindings: true,
      });
      if (res.status !== 'stored') throw new Error('not stored');
      if (approve) {
        await t.services.reviews.approvePost(actorFor(moderator), {
          postId: res.post.id,
          version: 1,
        });
        approvedBodies.push(body);
      } else pendingBodies.push(body);
    };

    let agent = await signIn(t.baseUrl, reader.email, TEST_PASSWORD);
    let socket = await socketFor(agent);
    const live: Published[] = [];
    const listen = (s: ClientSocket) => s.on('post:published', (p: Published) => live.push(p));
    listen(socket);
    await post(true);
    await post(false);
    await new Promise((r) => setTimeout(r, 100));
    let lastSeq = Math.max(0, ...live.map((p) => p.seq));
    const seen = live.map((p) => p.body);

    // Short disconnect: a few posts go by.
    socket.close();
    await post(true);
    await post(false);
    await post(true);
    socket = await socketFor(agent);
    listen(socket);
    let missed = await catchUpAll(socket, groupId, lastSeq);
    seen.push(...missed.map((p) => p.body));
    lastSeq = missed.at(-1)?.seq ?? lastSeq;

    // Long disconnect: more than one catch-up page (100) of posts, waiting ones in between.
    socket.close();
    for (let i = 0; i < 130; i++) await post(i % 5 !== 0);
    // …and a server restart before the client comes back.
    const sameDatabase = `${process.env.HARBOUR_TEST_MONGODB_URI}/${mongoose.connection.name}`;
    await t.close();
    await mongoose.connect(sameDatabase);
    t = await startTestApp({ name: 'reliability-reconnect' });
    agent = await signIn(t.baseUrl, reader.email, TEST_PASSWORD);
    socket = await socketFor(agent);
    missed = await catchUpAll(socket, groupId, lastSeq);
    seen.push(...missed.map((p) => p.body));
    socket.close();

    expect(seen).toEqual(approvedBodies);
    expect(seen.filter((b) => pendingBodies.includes(b))).toEqual([]);
    const seqs = missed.map((p) => p.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  }, 120_000);
});
