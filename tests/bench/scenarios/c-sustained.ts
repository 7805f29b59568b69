/**
 * C. Sustained approvals: every group's moderator approves its queue of seeded pending posts as
 * fast as acknowledgements come back (a few in flight each) for the configured duration; every
 * member's socket counts what it receives. Lost = an acknowledged approval a member of that group
 * never received; duplicated = a post a member received more than once. The raw Socket.IO
 * baseline broadcasts the same payload with the same concurrency to rooms of the same size.
 */
import type { Socket } from 'socket.io-client';
import { emitAck, pool } from '../lib/clients';
import { cpuMsOf } from '../lib/procs';
import { onlineGroup, rawRoom, type BenchContext, type OnlineGroup } from '../lib/context';
import { databaseWork, seedPendingPosts, workBetween } from '../lib/seed';
import { now, row, sleep, type Row } from '../lib/stats';

const MEMBERS = 20;
const IN_FLIGHT_PER_GROUP = 2;
const TARGET_RATE = 1000;

interface Counts {
  received: Array<Map<string, number>>;
}

function count(sockets: Socket[]): Counts {
  const received = sockets.map(() => new Map<string, number>());
  sockets.forEach((s, i) =>
    s.on('post:published', (p: { id: string }) => {
      const m = received[i] as Map<string, number>;
      m.set(p.id, (m.get(p.id) ?? 0) + 1);
    }),
  );
  return { received };
}

/** Waits until every member holds every expected id, or nothing has arrived for `idleMs`. */
async function quiesce(counts: Counts[], expected: Array<Set<string>>, idleMs = 3000) {
  const total = () => counts.reduce((n, c) => n + c.received.reduce((k, m) => k + m.size, 0), 0);
  const want = expected.reduce((n, e, g) => n + e.size * (counts[g]?.received.length ?? 0), 0);
  let last = -1;
  let since = now();
  while (now() - since < idleMs) {
    const t = total();
    if (t >= want) return;
    if (t !== last) {
      last = t;
      since = now();
    }
    await sleep(100);
  }
}

function tally(counts: Counts[], expected: Array<Set<string>>) {
  let lost = 0;
  let duplicated = 0;
  let unexpected = 0;
  let delivered = 0;
  counts.forEach((c, g) => {
    const want = expected[g] as Set<string>;
    for (const m of c.received) {
      for (const id of want) if (!m.has(id)) lost += 1;
      for (const [id, n] of m) {
        if (!want.has(id)) unexpected += 1;
        else delivered += 1;
        if (n > 1) duplicated += n - 1;
      }
    }
  });
  return { lost, duplicated, unexpected, delivered };
}

export async function scenarioC(ctx: BenchContext): Promise<Row[]> {
  const seconds = ctx.sizes.sustainSeconds;
  const groups = ctx.sizes.sustainGroups;
  const perGroup = Math.ceil((TARGET_RATE * seconds * 1.2) / groups) + 10;
  ctx.log(`C: ${groups} groups of ${MEMBERS}: seeding ${perGroup * groups} pending posts`);
  const online: OnlineGroup[] = [];
  for (let g = 0; g < groups; g++) online.push(await onlineGroup(ctx, MEMBERS));
  const queues = await pool(online, 2, (o) => seedPendingPosts(o.group, perGroup));
  const counts = online.map((o) => count(o.members));
  const approved = online.map(() => new Set<string>());
  let failed = 0;
  const refusals = new Map<string, number>();

  ctx.log(`C: approving for ${seconds} s`);
  const before = await databaseWork();
  const cpuBefore = { server: cpuMsOf(ctx.harbour.pid), engine: cpuMsOf(ctx.harbour.enginePid) };
  const start = now();
  const end = start + seconds * 1000;
  await Promise.all(
    online.flatMap((o, g) =>
      Array.from({ length: IN_FLIGHT_PER_GROUP }, async (_, lane) => {
        const queue = queues[g] as string[];
        for (let i = lane; i < queue.length && now() < end; i += IN_FLIGHT_PER_GROUP) {
          const postId = queue[i] as string;
          const ack = await emitAck(o.moderator, 'review:approve', { postId, version: 1 });
          if (ack.ok) approved[g]?.add(postId);
          else {
            failed += 1;
            const code = ack.error?.code ?? 'unknown';
            refusals.set(code, (refusals.get(code) ?? 0) + 1);
          }
        }
      }),
    ),
  );
  const elapsed = (now() - start) / 1000;
  // CPU per approval moves less than the rate with how busy the shared machine is.
  const cpuUsed = {
    server: cpuMsOf(ctx.harbour.pid) - cpuBefore.server,
    engine: cpuMsOf(ctx.harbour.enginePid) - cpuBefore.engine,
  };
  const db = workBetween(before, await databaseWork());
  if (refusals.size) ctx.log(`C: refused approvals by code: ${JSON.stringify([...refusals])}`);
  await quiesce(counts, approved);
  const h = tally(counts, approved);
  const approvals = approved.reduce((n, s) => n + s.size, 0);
  online.forEach((o) => o.close());

  // Raw Socket.IO: the same shape of load, for a shorter time (it only sets the scale).
  const rawSeconds = Math.min(seconds, 10);
  const rooms = await pool(
    Array.from({ length: groups }, (_, g) => g),
    4,
    (g) => rawRoom(ctx, `c-${g}`, MEMBERS),
  );
  const rawCounts = rooms.map((r) => count(r.members));
  const sent = rooms.map(() => new Set<string>());
  const payload = { groupId: 'g', body: 'Pending bench post: a short note about the day.' };
  const rawCpuBefore = cpuMsOf(ctx.raw.pid);
  const rawStart = now();
  const rawEnd = rawStart + rawSeconds * 1000;
  let serial = 0;
  await Promise.all(
    rooms.flatMap((r, g) =>
      Array.from({ length: IN_FLIGHT_PER_GROUP }, async () => {
        while (now() < rawEnd) {
          const id = `r${serial++}`;
          await new Promise<void>((resolve) =>
            r.trigger.emit('broadcast', 'post:published', { ...payload, id }, () => resolve()),
          );
          sent[g]?.add(id);
        }
      }),
    ),
  );
  const rawElapsed = (now() - rawStart) / 1000;
  const rawCpu = cpuMsOf(ctx.raw.pid) - rawCpuBefore;
  await quiesce(rawCounts, sent);
  const r = tally(rawCounts, sent);
  const rawSent = sent.reduce((n, s) => n + s.size, 0);
  const rawRate = rawSent / rawElapsed;
  rooms.forEach((room) => room.close());

  const rate = approvals / elapsed;
  return [
    row({
      scenario: 'C',
      figure: `approvals/s over ${Math.round(elapsed)} s (${groups} groups of ${MEMBERS})`,
      harbour: rate,
      baseline: rawRate,
      target: `≥ ${TARGET_RATE}`,
      met: rate >= TARGET_RATE,
    }),
    row({
      scenario: 'C',
      figure: 'deliveries/s counted by clients',
      harbour: h.delivered / elapsed,
      baseline: r.delivered / rawElapsed,
    }),
    row({
      scenario: 'C',
      figure: 'CPU ms per approval: app server (raw: per broadcast)',
      harbour: cpuUsed.server / Math.max(1, approvals),
      baseline: rawCpu / Math.max(1, rawSent),
    }),
    row({
      scenario: 'C',
      figure: 'CPU ms per approval: embedded engine',
      harbour: cpuUsed.engine / Math.max(1, approvals),
    }),
    row({
      scenario: 'C',
      figure: 'documents the database read per approval',
      harbour: db.docsExamined / Math.max(1, approvals),
    }),
    row({
      scenario: 'C',
      figure: 'database operations per approval',
      harbour: db.operations / Math.max(1, approvals),
    }),
    row({
      scenario: 'C',
      figure: 'lost / duplicated deliveries',
      harbour: h.lost + h.duplicated,
      baseline: r.lost + r.duplicated,
      target: '0',
      met: h.lost === 0 && h.duplicated === 0,
    }),
    row({
      scenario: 'C',
      figure: 'refused approvals / deliveries of unacknowledged approvals',
      harbour: failed + h.unexpected,
    }),
  ];
}
