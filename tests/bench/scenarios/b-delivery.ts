/**
 * B. Approve → delivered to every member, for groups of each size, against a raw Socket.IO
 * broadcast of the same payload to a room of the same size. Also submit → stored and submit →
 * visible in the moderators' queue.
 */
import { startCluster } from '../../../server/cluster/cluster';
import { TEST_PASSWORD_PEPPER } from '../../helpers/deps';
import { onlineGroup, rawRoom, type BenchContext } from '../lib/context';
import { pinning, pinSelf } from '../lib/procs';
import { connectSeed, databaseWork, disconnectSeed, workBetween } from '../lib/seed';
import { row, summarize, type Row } from '../lib/stats';
import { harbourApprovals, rawBroadcasts, type ApprovalFigures } from './approvals';

/**
 * The same measurement through the cluster module (a round-robin proxy, Redis adapter, one
 * shared engine) with `instances` app processes; members spread over the instances by the proxy.
 * Run in the cluster module's own mode (development config behind an http:// proxy), so 1 and 3
 * instances are compared with each other, not with the production single process above.
 */
async function clusterApprovals(
  ctx: BenchContext,
  instances: number,
  size: number,
): Promise<ApprovalFigures> {
  // Instances (and their engine and Redis) start on the server core, like the single process.
  const pinned = !ctx.smoke && pinning().available;
  if (pinned) pinSelf(0);
  const cluster = await startCluster({
    instances,
    entry: ctx.smoke ? 'tsx' : 'dist',
    env: { PASSWORD_PEPPER: TEST_PASSWORD_PEPPER, LOG_LEVEL: 'warn' },
  }).finally(() => {
    if (pinned) pinSelf(1);
  });
  try {
    await disconnectSeed();
    await connectSeed(cluster.mongodbUri);
    const cctx: BenchContext = {
      ...ctx,
      harbour: { ...ctx.harbour, baseUrl: cluster.proxyUrl },
      origin: cluster.proxyUrl,
    };
    const online = await onlineGroup(cctx, size);
    try {
      return await harbourApprovals(online, ctx.sizes.samples);
    } finally {
      online.close();
    }
  } finally {
    await disconnectSeed();
    await cluster.stop();
    await connectSeed(ctx.harbour.databaseUri);
  }
}

const WARM_UP = 10;

export async function scenarioB(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const { samples } = ctx.sizes;
  for (const size of ctx.sizes.groups) {
    ctx.log(`B: group of ${size}: seeding, signing in, connecting`);
    const online = await onlineGroup(ctx, size);
    // A few rounds first on both sides (compiled code paths, connection pools), not counted.
    await harbourApprovals(online, WARM_UP);
    const before = await databaseWork();
    const h = await harbourApprovals(online, samples);
    const db = workBetween(before, await databaseWork());
    online.close();
    const room = await rawRoom(ctx, `b-${size}`, size);
    await rawBroadcasts(room, WARM_UP, h.payload);
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
        figure: `${label}: documents the database read per submit + approval`,
        harbour: db.docsExamined / Math.max(1, h.stored.length),
      }),
      row({
        scenario: 'B',
        figure: `${label}: database operations per submit + approval`,
        harbour: db.operations / Math.max(1, h.stored.length),
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
  const size = ctx.sizes.clusterMembers;
  ctx.log(`B: group of ${size} through the cluster module, 1 then 3 instances`);
  const one = await clusterApprovals(ctx, 1, size);
  const three = await clusterApprovals(ctx, 3, size);
  const o = summarize(one.all);
  const t = summarize(three.all);
  rows.push(
    row({
      scenario: 'B',
      figure: `${size} members, 3 instances (baseline: 1 instance, same proxy + Redis): approve→all p50 ms`,
      harbour: t.p50,
      baseline: o.p50,
    }),
    row({
      scenario: 'B',
      figure: `${size} members, 3 instances (baseline: 1 instance): approve→all p99 ms`,
      harbour: t.p99,
      baseline: o.p99,
    }),
    row({
      scenario: 'B',
      figure: `${size} members, 3 instances (baseline: 1 instance): lost / duplicated deliveries`,
      harbour: three.lost + three.duplicated,
      baseline: one.lost + one.duplicated,
      target: '0',
      met: three.lost + three.duplicated === 0,
    }),
  );
  return rows;
}
