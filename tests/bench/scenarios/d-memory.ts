/**
 * D. Memory per connected member: the server's heap and RSS before and after `n` signed-in
 * members connect (garbage collected both times), against the raw Socket.IO server with `n`
 * plain clients. Sessions are created before the first reading, so only sockets count.
 */
import { connect, pool } from '../lib/clients';
import { rawRoom, signedInGroup, type BenchContext } from '../lib/context';
import { rssOf } from '../lib/procs';
import { row, sleep, type Row } from '../lib/stats';

async function settled(read: () => Promise<{ heapUsed: number; rss: number }>) {
  await sleep(500);
  await read(); // a first collection; the second reading is the one kept
  await sleep(200);
  return read();
}

export async function scenarioD(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.sizes.memoryMembers;
  ctx.log(`D: ${n} members: seeding, signing in`);
  const { memberSessions } = await signedInGroup(ctx, n);
  const readHarbour = async () => {
    const s = await ctx.harbour.stats({ gc: true });
    // The server's own RSS (the engine is a separate process and holds no socket state).
    return { heapUsed: s.heapUsed, rss: s.rss };
  };
  const hBefore = await settled(readHarbour);
  const sockets = await pool(memberSessions, 20, (s) => connect(s));
  const hAfter = await settled(readHarbour);
  sockets.forEach((s) => s.close());

  const readRaw = async () => {
    const s = await ctx.raw.stats({ gc: true });
    return { heapUsed: s.heapUsed, rss: rssOf(ctx.raw.pid) };
  };
  const rBefore = await settled(readRaw);
  const room = await rawRoom(ctx, 'd', n);
  const rAfter = await settled(readRaw);
  room.close();

  const per = (a: number, b: number) => (a - b) / n / 1024;
  const heapH = per(hAfter.heapUsed, hBefore.heapUsed);
  const heapR = per(rAfter.heapUsed, rBefore.heapUsed);
  const rssH = per(hAfter.rss, hBefore.rss);
  const rssR = per(rAfter.rss, rBefore.rss);
  return [
    row({
      scenario: 'D',
      figure: `heap KB per connected member (${n})`,
      harbour: heapH,
      baseline: heapR,
      target: 'ratio ≤ 1.5',
      met: heapH / heapR <= 1.5,
    }),
    row({
      scenario: 'D',
      figure: `RSS KB per connected member (${n})`,
      harbour: rssH,
      baseline: rssR,
      target: 'ratio ≤ 1.5',
      met: rssH / rssR <= 1.5,
    }),
  ];
}
