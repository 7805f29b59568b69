import mongoose from 'mongoose';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import { Post, type GroupDoc, type UserDoc } from '../../models';
import { actorFor } from '../helpers/factories';
import type { SignedInAgent, TestApp } from '../helpers/test-app';
import { rng } from './harness';

/**
 * Submissions over a flaky connection, as the client does them: every post carries an
 * idempotency key and is retried with the same key until acknowledged. The "network" drops the
 * connection at random (before or after the server got the message), duplicates messages, and
 * the client reconnects. Result: every post stored exactly once.
 */
type Ack = {
  ok: boolean;
  data?: { status?: 'stored' | 'needs_confirmation'; post?: { id: string } };
  error?: { code: string };
};

function connect(agent: SignedInAgent): Promise<ClientSocket> {
  const socket = connectSocket(agent.baseUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie: agent.cookie(), origin: agent.baseUrl },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function flakySubmits(
  t: TestApp,
  agent: SignedInAgent,
  group: GroupDoc,
  count: number,
  seed: number,
): Promise<{
  keys: string[];
  drops: number;
  duplicates: number;
  retries: number;
  confirmations: number;
}> {
  const random = rng(seed);
  let socket = await connect(agent);
  let drops = 0;
  let duplicates = 0;
  let retries = 0;
  let confirmations = 0;
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `flaky-${seed}-${i}`;
    keys.push(key);
    const payload = {
      group: String(group._id),
      body: `Flaky network post ${seed}-${i}`,
      idempotencyKey: key,
      acknowledgedFindings: false,
    };
    for (let attempt = 0; ; attempt++) {
      // The submit limit is tested elsewhere; here only the network misbehaves.
      if (i % 5 === 0 || attempt > 0) {
        await mongoose.connection.collection('rate_limits').deleteMany({});
      }
      if (!socket.connected) socket = await connect(agent);
      const ackP = new Promise<Ack | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 2000);
        socket.emit('post:submit', payload, (ack: Ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        socket.once('disconnect', () => {
          clearTimeout(timer);
          resolve(null);
        });
      });
      const roll = random();
      if (roll < 0.1) {
        // Duplicate delivery: the same message sent twice.
        duplicates++;
        socket.emit('post:submit', payload);
      }
      if (roll > 0.85) {
        // The connection drops: at once (message maybe lost) or a moment later (ack lost).
        drops++;
        const s = socket;
        if (random() < 0.5) s.disconnect();
        else setTimeout(() => s.disconnect(), Math.floor(random() * 15));
      }
      const ack = await ackP;
      if (ack?.ok && ack.data?.status === 'needs_confirmation') {
        // Screening asked the person to look again (e.g. "455" reads as a swear word); like the
        // client, they send the same text again with the same key, which counts as "send anyway".
        confirmations++;
        payload.acknowledgedFindings = true;
        continue;
      }
      if (ack?.ok) break;
      if (ack && !ack.ok && ack.error?.code !== 'rate_limited') {
        throw new Error(`submission refused: ${ack.error?.code}`);
      }
      retries++;
      if (attempt > 50) throw new Error('gave up');
    }
  }
  socket.disconnect();
  return { keys, drops, duplicates, retries, confirmations };
}

/** Every key stored exactly once. */
export async function countCopies(keys: string[]): Promise<{ lost: number; duplicated: number }> {
  const rows = await Post.aggregate<{ _id: string; n: number }>([
    { $match: { idempotencyKey: mongoose.trusted({ $in: keys }) } },
    { $group: { _id: '$idempotencyKey', n: { $sum: 1 } } },
  ]);
  const byKey = new Map(rows.map((r) => [r._id, r.n]));
  return {
    lost: keys.filter((k) => !byKey.has(k)).length,
    duplicated: rows.filter((r) => r.n > 1).length,
  };
}

/** Approves posts as a moderator (service level) and returns them in publication order. */
export async function approveAll(t: TestApp, moderator: UserDoc, postIds: string[]): Promise<void> {
  for (const postId of postIds) {
    await t.services.reviews.approvePost(actorFor(moderator), { postId, version: 1 });
  }
}
