/**
 * The measured loop shared by scenarios B and E: a member submits over the socket (stored
 * acknowledgement; visible in the moderators' queue), then the moderator approves and every
 * member's socket receives `post:published`. One approval at a time, so each figure is a latency,
 * not a queueing effect. The raw Socket.IO baseline broadcasts the same payload to a room of the
 * same size.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { emitAck } from '../lib/clients';
import type { OnlineGroup } from '../lib/context';
import { now } from '../lib/stats';

export interface ApprovalFigures {
  /** submit → stored acknowledgement. */
  stored: number[];
  /** submit → `queue:changed` for the post on the moderator's socket. */
  queue: number[];
  /** approve sent → the LAST member has the post (delivered to everyone). */
  all: number[];
  /** approve sent → each member's receipt. */
  each: number[];
  lost: number;
  duplicated: number;
  payload: unknown;
}

const DELIVERY_TIMEOUT_MS = 10_000;
/** Each author submits at most this many posts in a run (the submit limit is 20 a minute). */
const POSTS_PER_AUTHOR = 10;

interface Waiter {
  id: string;
  start: number;
  got: Map<number, number>;
  expected: number;
  done: () => void;
}

/** Counts each member's receipts of each post id; resolves a waiter once everyone has it. */
function listen(members: Socket[], event: string, idOf: (payload: unknown) => string) {
  let waiter: Waiter | null = null;
  let duplicated = 0;
  const seen = members.map(() => new Set<string>());
  members.forEach((socket, i) => {
    socket.on(event, (payload: unknown) => {
      const t = now();
      const id = idOf(payload);
      const mine = seen[i] as Set<string>;
      if (mine.has(id)) {
        duplicated += 1;
        return;
      }
      mine.add(id);
      if (waiter && waiter.id === id) {
        waiter.got.set(i, t - waiter.start);
        if (waiter.got.size === waiter.expected) waiter.done();
      }
    });
  });
  return {
    /** Starts waiting for `id` (call BEFORE triggering), returns the latencies when complete. */
    expect(id: string, start: number): Promise<Map<number, number>> {
      return new Promise((resolve) => {
        const got = new Map<number, number>();
        const timer = setTimeout(() => {
          waiter = null;
          resolve(got);
        }, DELIVERY_TIMEOUT_MS);
        waiter = {
          id,
          start,
          got,
          expected: members.length,
          done: () => {
            clearTimeout(timer);
            waiter = null;
            resolve(got);
          },
        };
      });
    },
    duplicated: () => duplicated,
    off() {
      members.forEach((s) => s.off(event));
    },
  };
}

const idOfPost = (p: unknown) => String((p as { id?: string }).id);

export async function harbourApprovals(
  online: OnlineGroup,
  samples: number,
): Promise<ApprovalFigures> {
  const { group, moderator, members } = online;
  const figures: ApprovalFigures = {
    stored: [],
    queue: [],
    all: [],
    each: [],
    lost: 0,
    duplicated: 0,
    payload: null,
  };
  const delivery = listen(members, 'post:published', idOfPost);
  let firstPayload: unknown = null;
  members[0]?.on('post:published', (p: unknown) => (firstPayload ??= p));
  const queueSeen = new Map<string, number>();
  moderator.on('queue:changed', (e: { postId: string | null }) => {
    if (e.postId && !queueSeen.has(e.postId)) queueSeen.set(e.postId, now());
  });
  const authors = members.length;
  for (let i = 0; i < samples; i++) {
    const author = members[i % authors] as Socket;
    if (Math.floor(i / authors) >= POSTS_PER_AUTHOR) break;
    const t0 = now();
    const ack = await emitAck<{ status: string; post: { id: string; version: number } }>(
      author,
      'post:submit',
      {
        group: group.id,
        body: `Bench message ${i}: the new routine is helping, thank you for the tips last week.`,
        idempotencyKey: `bench-${randomBytes(8).toString('hex')}`,
      },
    );
    const t1 = now();
    if (!ack.ok || ack.data?.status !== 'stored') {
      throw new Error(`submit failed: ${JSON.stringify(ack.error ?? ack.data)}`);
    }
    figures.stored.push(t1 - t0);
    const postId = ack.data.post.id;
    // The queue notice normally arrives before the acknowledgement; wait a little if not.
    for (let w = 0; w < 200 && !queueSeen.has(postId); w++)
      await new Promise((r) => setTimeout(r, 5));
    const seenAt = queueSeen.get(postId);
    if (seenAt !== undefined) figures.queue.push(seenAt - t0);

    const start = now();
    const delivered = delivery.expect(postId, start);
    const approve = await emitAck(moderator, 'review:approve', {
      postId,
      version: ack.data.post.version,
    });
    if (!approve.ok) throw new Error(`approve failed: ${JSON.stringify(approve.error)}`);
    const got = await delivered;
    figures.lost += members.length - got.size;
    const latencies = [...got.values()];
    figures.each.push(...latencies);
    if (got.size === members.length) figures.all.push(Math.max(...latencies));
  }
  figures.duplicated = delivery.duplicated();
  figures.payload = firstPayload;
  delivery.off();
  moderator.off('queue:changed');
  return figures;
}

/** The same payload, broadcast by the bare Socket.IO server to a room of the same size. */
export async function rawBroadcasts(
  room: { trigger: Socket; members: Socket[] },
  samples: number,
  payload: unknown,
): Promise<ApprovalFigures> {
  const figures: ApprovalFigures = {
    stored: [],
    queue: [],
    all: [],
    each: [],
    lost: 0,
    duplicated: 0,
    payload,
  };
  const delivery = listen(room.members, 'post:published', idOfPost);
  for (let i = 0; i < samples; i++) {
    const id = randomBytes(12).toString('hex');
    const start = now();
    const delivered = delivery.expect(id, start);
    room.trigger.emit('broadcast', 'post:published', { ...(payload as object), id });
    const got = await delivered;
    figures.lost += room.members.length - got.size;
    const latencies = [...got.values()];
    figures.each.push(...latencies);
    if (got.size === room.members.length) figures.all.push(Math.max(...latencies));
  }
  figures.duplicated = delivery.duplicated();
  delivery.off();
  return figures;
}
