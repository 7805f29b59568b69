/**
 * F. The embedded engine's own figures (tests/bench/engine.ts, also `npm run bench:engine`),
 * reported in the same table. The smoke run uses a small data set and short timings.
 */
import { runEngineBench } from '../engine';
import type { BenchContext } from '../lib/context';
import { row, type Row } from '../lib/stats';

export async function scenarioF(ctx: BenchContext): Promise<Row[]> {
  const { figures, large } = await runEngineBench(
    ctx.smoke ? { seconds: 0.5, docs: 20_000, finds: 300 } : {},
  );
  const num = (key: string) => Number(figures[key]);
  return [
    row({
      scenario: 'F',
      figure: 'acked inserts/s, 16 clients (baseline: raw fdatasync/s)',
      harbour: num('acked inserts/s, 16 client(s)'),
      baseline: num('  raw fdatasync/s just before, 16 client(s)'),
      target: '≥ 5000',
      met: num('acked inserts/s, 16 client(s)') >= 5000,
    }),
    row({
      scenario: 'F',
      figure: 'acked inserts/s, 1 client',
      harbour: num('acked inserts/s, 1 client(s)'),
      baseline: num('  raw fdatasync/s just before, 1 client(s)'),
    }),
    row({
      scenario: 'F',
      figure: `indexed find p50 ms at ${large} docs (baseline: ping)`,
      harbour: num(`indexed find p50 ms, ${large}`),
      baseline: Number(String(figures['  ping p50 / p99 ms, same window ']).split(' / ')[0]),
    }),
    row({
      scenario: 'F',
      figure: `indexed find p99 ms at ${large} docs (baseline: ping)`,
      harbour: num(`indexed find p99 ms, ${large}`),
      baseline: Number(String(figures['  ping p50 / p99 ms, same window ']).split(' / ')[1]),
      ...(large >= 1_000_000
        ? { target: '≤ 2', met: num(`indexed find p99 ms, ${large}`) <= 2 }
        : {}),
    }),
    row({
      scenario: 'F',
      figure: 'engine RSS MB per 100k small docs',
      harbour: num('engine RSS MB per 100k small docs (large set)'),
    }),
    row({
      scenario: 'F',
      figure: `restart (recovery) s at ${large} docs`,
      harbour: num(`restart (recovery) s, ${large} docs`),
    }),
  ];
}
