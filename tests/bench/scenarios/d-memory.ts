/**
 * D. Memory per connected member: the server's heap and RSS with none, half and all of `n`
 * signed-in members connected, against the raw Socket.IO server with as many plain clients. The
 * figure per member is what the second half added (one-off costs cancel out); the whole growth
 * from none is printed beside it. Sessions are created before the first reading, so only
 * sockets count.
 *
 * Each side first connects and closes a few sockets, so code compiled for the connection path
 * and one-off caches are in both readings. A reading is taken once a second, each after full
 * garbage collection (server/bench-stats.ts), until RSS has stopped moving (the allocator and
 * V8 hand memory back to the system seconds after it was freed, which once made the figure
 * negative) and at least one session sweep (5 s) has passed; the figure is the least heap and
 * RSS among the last readings, so work in flight (Harbour's session sweep re-checks every socket)
 * does not count as held per socket. Both sides are read the same way, through
 * `process.memoryUsage()` in the server.
 */
import type { Socket } from 'socket.io-client';
import { connect, pool } from '../lib/clients';
import { rawRoom, signedInGroup, type BenchContext } from '../lib/context';
import type { Proc } from '../lib/procs';
import { row, sleep, type Row } from '../lib/stats';

const WARM_UP_SOCKETS = 50;
/** Readings kept: a little over one session sweep (SESSION_SWEEP_MS, 5 s) at one a second. */
const WINDOW = 6;
const MAX_READINGS = 30;

interface Reading {
  heapUsed: number;
  rss: number;
}

async function settled(proc: Proc): Promise<Reading> {
  const readings: Reading[] = [];
  for (;;) {
    const s = await proc.stats({ gc: true });
    readings.push({ heapUsed: s.heapUsed, rss: s.rss });
    const last = readings.slice(-WINDOW);
    const rss = last.slice(-3).map((r) => r.rss);
    const still = Math.max(...rss) - Math.min(...rss) <= 0.01 * Math.min(...rss);
    if ((last.length === WINDOW && still) || readings.length >= MAX_READINGS) {
      return {
        heapUsed: Math.min(...last.map((r) => r.heapUsed)),
        rss: Math.min(...last.map((r) => r.rss)),
      };
    }
    await sleep(1000);
  }
}

/** Closes the sockets and waits until the server has let go of them all. */
async function closeAll(proc: Proc, sockets: Socket[], remaining = 0): Promise<void> {
  sockets.forEach((s) => s.close());
  const until = Date.now() + 10_000;
  while ((await proc.stats()).sockets > remaining) {
    if (Date.now() > until) throw new Error(`${proc.name}: sockets were not closed`);
    await sleep(100);
  }
}

export async function scenarioD(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.sizes.memoryMembers;
  const half = Math.floor(n / 2);
  const warm = Math.min(WARM_UP_SOCKETS, n);
  ctx.log(`D: ${n} members: seeding, signing in`);
  const { memberSessions } = await signedInGroup(ctx, n);
  const connectAll = (sessions: typeof memberSessions) => pool(sessions, 20, (s) => connect(s));
  await closeAll(ctx.harbour, await connectAll(memberSessions.slice(0, warm)));
  const h0 = await settled(ctx.harbour);
  const first = await connectAll(memberSessions.slice(0, half));
  const hHalf = await settled(ctx.harbour);
  const second = await connectAll(memberSessions.slice(half));
  const hAll = await settled(ctx.harbour);
  await closeAll(ctx.harbour, [...first, ...second]);

  const warmRoom = await rawRoom(ctx, 'd', warm);
  await closeAll(ctx.raw, [warmRoom.trigger, ...warmRoom.members]);
  const r0 = await settled(ctx.raw);
  const roomHalf = await rawRoom(ctx, 'd1', half);
  const rHalf = await settled(ctx.raw);
  const roomRest = await rawRoom(ctx, 'd2', n - half);
  const rAll = await settled(ctx.raw);
  roomHalf.close();
  roomRest.close();

  // Per member: what the second half of the members added. Whatever the process takes once,
  // as soon as some members are online (V8's young generation grows to its full size once the
  // session sweep runs every few seconds: ~30 MB whatever the number of members), is in both
  // the half and the full reading and cancels out; the whole growth is printed too.
  const perMember = (a: number, b: number, count: number) => (a - b) / count / 1024;
  const heapH = perMember(hAll.heapUsed, hHalf.heapUsed, n - half);
  const heapR = perMember(rAll.heapUsed, rHalf.heapUsed, n - half);
  const rssH = perMember(hAll.rss, hHalf.rss, n - half);
  const rssR = perMember(rAll.rss, rHalf.rss, n - half);
  return [
    row({
      scenario: 'D',
      figure: `heap KB per connected member (${half} → ${n})`,
      harbour: heapH,
      baseline: heapR,
      target: 'ratio ≤ 1.5',
      met: heapH / heapR <= 1.5,
    }),
    row({
      scenario: 'D',
      figure: `RSS KB per connected member (${half} → ${n})`,
      harbour: rssH,
      baseline: rssR,
      target: 'ratio ≤ 1.5',
      met: rssH / rssR <= 1.5,
    }),
    row({
      scenario: 'D',
      figure: `heap KB per member, whole growth (0 → ${n})`,
      harbour: perMember(hAll.heapUsed, h0.heapUsed, n),
      baseline: perMember(rAll.heapUsed, r0.heapUsed, n),
    }),
    row({
      scenario: 'D',
      figure: `RSS KB per member, whole growth incl. one-off (0 → ${n})`,
      harbour: perMember(hAll.rss, h0.rss, n),
      baseline: perMember(rAll.rss, r0.rss, n),
    }),
  ];
}
