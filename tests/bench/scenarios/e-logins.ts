/**
 * E. Sign-ins at bcrypt cost 12 while B runs at 200 members: the broadcast p99 with and without
 * sign-ins going on, and the server's event-loop delay p99 (monitorEventLoopDelay, read over IPC)
 * during the sign-ins. bcrypt's async API hashes on the libuv pool, so the loop should not stall.
 */
import { onlineGroup, type BenchContext } from '../lib/context';
import { signIn } from '../lib/clients';
import { costlyUsers, PASSWORD } from '../lib/seed';
import { row, summarize, type Row } from '../lib/stats';
import { harbourApprovals } from './approvals';

const COST = 12;

export async function scenarioE(ctx: BenchContext): Promise<Row[]> {
  const size = ctx.sizes.loginMembers;
  // Three times B's count: with 100 a p99 is the slowest one or two approvals, and one GC pause
  // or thread switch in either half decided the rise (one run: 42 against 20 ms, the next 20
  // against 26). 300 on each side makes it the 3rd slowest.
  const samples = ctx.sizes.samples * 3;
  ctx.log(`E: group of ${size}, sign-ins at cost ${COST}`);
  const online = await onlineGroup(ctx, size);
  const people = await costlyUsers(ctx.sizes.loginConcurrency, COST);
  try {
    await ctx.harbour.stats({ reset: true });
    const quiet = await harbourApprovals(online, samples);
    const quietLoop = await ctx.harbour.stats({ reset: true });

    let signIns = 0;
    let signInErrors = 0;
    let stop = false;
    const startedAt = performance.now();
    const loops = people.map(async (p) => {
      while (!stop) {
        try {
          await signIn(ctx.harbour.baseUrl, p.email, PASSWORD);
          signIns += 1;
        } catch {
          signInErrors += 1;
        }
      }
    });
    // The approvals run after the first sign-ins have started hashing.
    await new Promise((r) => setTimeout(r, 100));
    const busy = await harbourApprovals(online, samples);
    stop = true;
    await Promise.all(loops);
    const seconds = (performance.now() - startedAt) / 1000;
    const busyLoop = await ctx.harbour.stats({ reset: true });

    const q = summarize(quiet.all);
    const b = summarize(busy.all);
    return [
      row({
        scenario: 'E',
        figure: `${size} members: approve→all delivered p99 ms, with sign-ins (baseline: without)`,
        harbour: b.p99,
        baseline: q.p99,
        target: 'rise ≤ 10 ms',
        met: b.p99 - q.p99 <= 10,
      }),
      row({
        scenario: 'E',
        figure: 'server event-loop delay p99 ms, with sign-ins (baseline: without)',
        harbour: busyLoop.eventLoop.p99Ms,
        baseline: quietLoop.eventLoop.p99Ms,
        target: '≤ 20',
        met: busyLoop.eventLoop.p99Ms <= 20,
      }),
      row({
        scenario: 'E',
        figure: `sign-ins/s at cost ${COST} (${people.length} in parallel)`,
        harbour: signIns / seconds,
      }),
      row({
        scenario: 'E',
        figure: 'failed sign-ins',
        harbour: signInErrors,
        target: '0',
        met: signInErrors === 0,
      }),
      row({
        scenario: 'E',
        figure: 'lost / duplicated deliveries',
        harbour: quiet.lost + quiet.duplicated + busy.lost + busy.duplicated,
        target: '0',
        met: quiet.lost + quiet.duplicated + busy.lost + busy.duplicated === 0,
      }),
    ];
  } finally {
    online.close();
  }
}
