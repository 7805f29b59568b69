/**
 * D. Memory per connected member: the server's heap and RSS with none, then half of `n` signed-in
 * members connected and on in four steps to all of them, against the raw Socket.IO server with as
 * many plain clients. The figure per member is the slope of the readings from half to all members
 * (one-off costs do not change it); the whole growth from none is printed beside it. Sessions are
 * created before the first reading, so only sockets count.
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
  external: number;
  heapTotal: number;
  rss: number;
}

async function settled(proc: Proc): Promise<Reading> {
  const readings: Reading[] = [];
  for (;;) {
    const s = await proc.stats({ gc: true });
    readings.push({
      heapUsed: s.heapUsed,
      external: s.external,
      heapTotal: s.heapTotal,
      rss: s.rss,
    });
    const last = readings.slice(-WINDOW);
    const rss = last.slice(-3).map((r) => r.rss);
    const still = Math.max(...rss) - Math.min(...rss) <= 0.01 * Math.min(...rss);
    if ((last.length === WINDOW && still) || readings.length >= MAX_READINGS) {
      return {
        heapUsed: Math.min(...last.map((r) => r.heapUsed)),
        external: Math.min(...last.map((r) => r.external)),
        heapTotal: Math.min(...last.map((r) => r.heapTotal)),
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

/** Steps from half to all members: each adds a quarter of the second half. */
const STEPS = 4;

/** Member counts at which the memory is read: half, then STEPS even steps up to `n`. */
function checkpoints(n: number): number[] {
  const half = Math.floor(n / 2);
  const steps = Math.max(1, Math.min(STEPS, n - half));
  return Array.from({ length: steps + 1 }, (_, i) => half + Math.round(((n - half) * i) / steps));
}

/**
 * Bytes per member as KB: the least-squares slope of the readings against the member count. A
 * difference of two readings moved with where each fell in V8's and the allocator's page
 * reservations (RSS per member 0.98–1.91 × over a day of runs); a slope over several readings
 * is less at the mercy of one of them.
 */
function slopeKb(counts: number[], values: number[]): number {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mx = mean(counts);
  const my = mean(values);
  let num = 0;
  let den = 0;
  counts.forEach((x, i) => {
    num += (x - mx) * ((values[i] as number) - my);
    den += (x - mx) ** 2;
  });
  return den ? num / den / 1024 : 0;
}

export async function scenarioD(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.sizes.memoryMembers;
  const counts = checkpoints(n);
  const half = counts[0] as number;
  const warm = Math.min(WARM_UP_SOCKETS, n);
  ctx.log(`D: ${n} members: seeding, signing in`);
  const { memberSessions } = await signedInGroup(ctx, n);
  const connectAll = (sessions: typeof memberSessions) => pool(sessions, 20, (s) => connect(s));
  await closeAll(ctx.harbour, await connectAll(memberSessions.slice(0, warm)));
  const h0 = await settled(ctx.harbour);
  const hReadings: Reading[] = [];
  const open: Socket[] = [];
  let connected = 0;
  for (const count of counts) {
    open.push(...(await connectAll(memberSessions.slice(connected, count))));
    connected = count;
    hReadings.push(await settled(ctx.harbour));
  }
  await closeAll(ctx.harbour, open);

  const warmRoom = await rawRoom(ctx, 'd', warm);
  await closeAll(ctx.raw, [warmRoom.trigger, ...warmRoom.members]);
  const r0 = await settled(ctx.raw);
  const rReadings: Reading[] = [];
  const rooms: Array<{ close(): void }> = [];
  connected = 0;
  for (const [i, count] of counts.entries()) {
    // Each room has a trigger socket too: counted as a member here.
    rooms.push(await rawRoom(ctx, `d${i}`, Math.max(0, count - connected - 1)));
    connected = count;
    rReadings.push(await settled(ctx.raw));
  }
  rooms.forEach((r) => r.close());

  // Per member: the slope from half to all members. Whatever the process takes once, as soon
  // as some members are online (V8's young generation grows to its full size once the session
  // sweep runs every few seconds: ~30 MB whatever the number of members), is in every reading
  // and does not change the slope; the whole growth from none is printed too.
  const per = (readings: Reading[], key: keyof Reading) =>
    slopeKb(
      counts,
      readings.map((r) => r[key]),
    );
  const hAll = hReadings[hReadings.length - 1] as Reading;
  const rAll = rReadings[rReadings.length - 1] as Reading;
  const whole = (a: number, b: number) => (a - b) / n / 1024;
  const heapH = per(hReadings, 'heapUsed');
  const heapR = per(rReadings, 'heapUsed');
  const rssH = per(hReadings, 'rss');
  const rssR = per(rReadings, 'rss');
  const range = `${half} → ${n}, ${counts.length} readings`;
  return [
    row({
      scenario: 'D',
      figure: `heap KB per connected member (${range})`,
      harbour: heapH,
      baseline: heapR,
      target: 'ratio ≤ 1.5',
      met: heapH / heapR <= 1.5,
    }),
    row({
      scenario: 'D',
      figure: `RSS KB per connected member (${range})`,
      harbour: rssH,
      baseline: rssR,
      target: 'ratio ≤ 1.5',
      met: rssH / rssR <= 1.5,
    }),
    row({
      scenario: 'D',
      figure: `heap reserved by V8 KB per connected member (${range})`,
      harbour: per(hReadings, 'heapTotal'),
      baseline: per(rReadings, 'heapTotal'),
    }),
    row({
      scenario: 'D',
      figure: `external (Buffer) KB per connected member (${range})`,
      harbour: per(hReadings, 'external'),
      baseline: per(rReadings, 'external'),
    }),
    row({
      scenario: 'D',
      figure: `heap KB per member, whole growth (0 → ${n})`,
      harbour: whole(hAll.heapUsed, h0.heapUsed),
      baseline: whole(rAll.heapUsed, r0.heapUsed),
    }),
    row({
      scenario: 'D',
      figure: `RSS KB per member, whole growth incl. one-off (0 → ${n})`,
      harbour: whole(hAll.rss, h0.rss),
      baseline: whole(rAll.rss, r0.rss),
    }),
  ];
}
