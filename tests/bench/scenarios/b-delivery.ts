/**
 * B. Approve → delivered to every member, for groups of each size, against a raw Socket.IO
 * broadcast of the same payload to a room of the same size. Also submit → stored and submit →
 * visible in the moderators' queue.
 */
import { onlineGroup, rawRoom, type BenchContext } from '../lib/context';
import { row, summarize, type Row } from '../lib/stats';
import { harbourApprovals, rawBroadcasts } from './approvals';

export async function scenarioB(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const { samples } = ctx.sizes;
  for (const size of ctx.sizes.groups) {
    ctx.log(`B: group of ${size}: seeding, signing in, connecting`);
    const online = await onlineGroup(ctx, size);
    const h = await harbourApprovals(online, samples);
    online.close();
    const room = await rawRoom(ctx, `b-${size}`, size);
    const r = await rawBroadcasts(room, samples, h.payload);
    room.close();
    const hAll = summarize(h.all);
    const rAll = summarize(r.all);
    const p99Target = size >= 1000 ? 100 : size >= 200 ? 50 : undefined;
    const label = `${size} members`;
    rows.push(
      row({
        scenario: 'B',
        figure: `${label}: approve→all delivered p50 ms`,
        harbour: hAll.p50,
        baseline: rAll.p50,
        target: 'ratio ≤ 1.5',
        met: hAll.p50 / rAll.p50 <= 1.5,
      }),
      row({
        scenario: 'B',
        figure: `${label}: approve→all delivered p99 ms`,
        harbour: hAll.p99,
        baseline: rAll.p99,
        ...(p99Target ? { target: `≤ ${p99Target}`, met: hAll.p99 <= p99Target } : {}),
      }),
      row({
        scenario: 'B',
        figure: `${label}: approve→each member p50 ms`,
        harbour: summarize(h.each).p50,
        baseline: summarize(r.each).p50,
      }),
      row({
        scenario: 'B',
        figure: `${label}: submit→stored ack p99 ms`,
        harbour: summarize(h.stored).p99,
        target: '≤ 25',
        met: summarize(h.stored).p99 <= 25,
      }),
      row({
        scenario: 'B',
        figure: `${label}: submit→in moderators' queue p99 ms`,
        harbour: summarize(h.queue).p99,
        target: '≤ 50',
        met: summarize(h.queue).p99 <= 50,
      }),
      row({
        scenario: 'B',
        figure: `${label}: lost / duplicated deliveries`,
        harbour: h.lost + h.duplicated,
        baseline: r.lost + r.duplicated,
        target: '0',
        met: h.lost + h.duplicated === 0,
      }),
    );
  }
  return rows;
}
