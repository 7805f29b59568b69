/**
 * A. The group conversation page for a signed-in member (session, policy, database, EJS, 50
 * posts), against bare Express + EJS rendering a page of the same posts from memory, with
 * autocannon at the same connection count.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { PROXY_HEADERS, signIn } from '../lib/clients';
import type { BenchContext } from '../lib/context';
import { cpuMsOf, startBaseline } from '../lib/procs';
import {
  PASSWORD,
  databaseWork,
  seedApprovedPosts,
  seedGroup,
  workBetween,
  type DatabaseWork,
} from '../lib/seed';
import { row, type Row } from '../lib/stats';

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  bytes: number;
}

async function once(
  url: string,
  headers: Record<string, string>,
  duration: number,
  connections: number,
): Promise<Load & { requests: number }> {
  const r = await autocannon({ url, headers, connections, duration, pipelining: 1 });
  return {
    rps: r.requests.average,
    requests: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    bytes: r.requests.total ? r.throughput.total / r.requests.total : 0,
  };
}

/** Request-weighted mean of the rounds' figures; requests/s over the whole time. */
function combine(rounds: Array<Load & { requests: number }>, seconds: number): Load {
  const requests = rounds.reduce((n, r) => n + r.requests, 0) || 1;
  const mean = (f: (r: Load) => number) =>
    rounds.reduce((sum, r) => sum + f(r) * r.requests, 0) / requests;
  return {
    rps: requests / seconds,
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    bytes: mean((r) => r.bytes),
  };
}

/**
 * Harbour and the baseline in alternating rounds (after one warm-up each), so that whatever else
 * the machine is doing weighs on both alike: measured one after the other, a busy minute on a
 * shared machine lands on one side only and the ratio means little.
 */
async function loadInterleaved(
  targets: {
    harbour: [string, Record<string, string>];
    baseline: [string, Record<string, string>];
  },
  seconds: number,
  connections: number,
  onRound: (side: 'harbour' | 'baseline', phase: 'start' | 'end') => void,
): Promise<{ h: Load; b: Load }> {
  const rounds = Math.max(1, Math.min(5, Math.floor(seconds / 2)));
  const each = Math.max(1, Math.round(seconds / rounds));
  const warm = Math.max(1, Math.round(seconds / 5));
  await once(...targets.harbour, warm, connections); // JIT, caches
  await once(...targets.baseline, warm, connections);
  const h: Array<Load & { requests: number }> = [];
  const b: Array<Load & { requests: number }> = [];
  for (let i = 0; i < rounds; i += 1) {
    onRound('harbour', 'start');
    h.push(await once(...targets.harbour, each, connections));
    onRound('harbour', 'end');
    b.push(await once(...targets.baseline, each, connections));
  }
  return { h: combine(h, rounds * each), b: combine(b, rounds * each) };
}

export async function scenarioA(ctx: BenchContext): Promise<Row[]> {
  const group = await seedGroup(5);
  await seedApprovedPosts(group, 10, 4); // 50 posts: 10 threads of 1 + 4 replies
  const member = group.members[0];
  if (!member) throw new Error('no member');
  const session = await signIn(ctx.harbour.baseUrl, member.email, PASSWORD);
  const url = `${ctx.harbour.baseUrl}/g/${group.slug}/conversation`;
  const headers = { ...PROXY_HEADERS, cookie: session.cookie };
  // The first visit marks the posts read; the page under load is the one after it.
  await (await fetch(url, { headers })).text();
  const page = await fetch(url, { headers });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`group page answered ${page.status}`);
  const shown = (html.match(/Bench post \d+/g) ?? []).length;
  if (shown < 50) throw new Error(`group page shows ${shown} of 50 posts`);

  // The baseline renders the same page (Harbour's own JSON for its posts) from memory, and checks
  // that its HTML is Harbour's.
  const dir = await mkdtemp(join(tmpdir(), 'harbour-bench-a-'));
  const api = await fetch(`${ctx.harbour.baseUrl}/api/groups/${group.slug}/posts`, { headers });
  const posts = { ...((await api.json()) as object), slug: group.slug };
  await writeFile(join(dir, 'posts.json'), JSON.stringify(posts));
  await writeFile(join(dir, 'page.html'), html);
  const baseline = await startBaseline('express-ejs', {
    BENCH_POSTS_FILE: join(dir, 'posts.json'),
    BENCH_PAGE_FILE: join(dir, 'page.html'),
  });
  const { pageSeconds: seconds, pageConnections: connections } = ctx.sizes;
  try {
    ctx.log(`A: Harbour group page and baseline, ${connections} connections, ${seconds} s each`);
    // CPU and the documents the engine read are counted over Harbour's rounds only.
    let cpuStart = { server: 0, engine: 0 };
    const used = { server: 0, engine: 0 };
    // Read at each round's start and end; summed once the load is over.
    const workAt: Array<Promise<DatabaseWork>> = [];
    const { h, b } = await loadInterleaved(
      { harbour: [url, headers], baseline: [`${baseline.baseUrl}/page`, {}] },
      seconds,
      connections,
      (side, phase) => {
        if (side !== 'harbour') return;
        const now = { server: cpuMsOf(ctx.harbour.pid), engine: cpuMsOf(ctx.harbour.enginePid) };
        workAt.push(databaseWork());
        if (phase === 'start') cpuStart = now;
        else {
          used.server += now.server - cpuStart.server;
          used.engine += now.engine - cpuStart.engine;
        }
      },
    );
    const marks = await Promise.all(workAt);
    const db = { docsExamined: 0, operations: 0 };
    for (let i = 0; i + 1 < marks.length; i += 2) {
      const w = workBetween(marks[i] as DatabaseWork, marks[i + 1] as DatabaseWork);
      db.docsExamined += w.docsExamined;
      db.operations += w.operations;
    }
    const requests = Math.max(1, h.rps * seconds);
    const cpu = { server: used.server / requests, engine: used.engine / requests };
    return [
      row({
        scenario: 'A',
        figure: `group page requests/s (${connections} connections)`,
        harbour: h.rps,
        baseline: b.rps,
        target: 'ratio ≥ 0.5',
        met: h.rps / b.rps >= 0.5,
      }),
      row({
        scenario: 'A',
        figure: 'group page p99 ms',
        harbour: h.p99,
        baseline: b.p99,
        target: '≤ 100',
        met: h.p99 <= 100,
      }),
      row({ scenario: 'A', figure: 'group page p50 ms', harbour: h.p50, baseline: b.p50 }),
      row({ scenario: 'A', figure: 'bytes per page', harbour: h.bytes, baseline: b.bytes }),
      row({ scenario: 'A', figure: 'CPU ms per page: app server', harbour: cpu.server }),
      row({ scenario: 'A', figure: 'CPU ms per page: embedded engine', harbour: cpu.engine }),
      row({
        scenario: 'A',
        figure: 'documents the database read per page (50 posts shown)',
        harbour: db.docsExamined / requests,
      }),
      row({
        scenario: 'A',
        figure: 'database operations per page',
        harbour: db.operations / requests,
      }),
      row({
        scenario: 'A',
        figure: 'errors + non-2xx answers',
        harbour: h.errors + h.non2xx,
        baseline: b.errors + b.non2xx,
        target: '0',
        met: h.errors + h.non2xx === 0,
      }),
    ];
  } finally {
    await baseline.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
