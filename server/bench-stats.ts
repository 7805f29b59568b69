import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Figures for the benchmark harness (tests/bench), over the IPC channel of a process started by
 * it: event-loop delay percentiles, memory and live socket count. Enabled only when
 * HARBOUR_BENCH_STATS=1 and the process has an IPC channel, so nothing is ever exposed over the
 * network.
 */
export interface BenchStats {
  kind: 'bench:stats';
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  heapUsed: number;
  /** Memory outside V8's heap that V8 knows of (Buffers, ArrayBuffers). */
  external: number;
  /** V8's heap as reserved from the system (what RSS sees of it), used or not. */
  heapTotal: number;
  rss: number;
  sockets: number;
}

export interface BenchStatsRequest {
  kind: 'bench:stats';
  /** Start a new event-loop delay window after answering. */
  reset?: boolean;
  /** Collect garbage first (needs --expose-gc), for memory figures. */
  gc?: boolean;
}

/**
 * Node's histogram records the time between two runs of its sampling timer, not how late the
 * second run was: an idle loop reads 10 ms at a 10 ms resolution, and a 30 ms stall about 40 ms
 * (measured). The delay is what exceeds the resolution.
 */
const RESOLUTION_MS = 10;
const delayMs = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);

export function attachBenchStats(countSockets: () => number): void {
  if (process.env.HARBOUR_BENCH_STATS !== '1' || !process.send) return;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  process.on('message', (message: BenchStatsRequest) => {
    if (message?.kind !== 'bench:stats') return;
    const collect = (globalThis as { gc?: () => void }).gc;
    if (message.gc && collect) {
      // Twice: the heap pages the first collection emptied are handed back to the system only
      // at the next one, and until then they count in RSS.
      collect();
      collect();
    }
    const memory = process.memoryUsage();
    const stats: BenchStats = {
      kind: 'bench:stats',
      eventLoop: {
        p50Ms: delayMs(delay.percentile(50)),
        p99Ms: delayMs(delay.percentile(99)),
        maxMs: delayMs(delay.max),
      },
      heapUsed: memory.heapUsed,
      external: memory.external,
      heapTotal: memory.heapTotal,
      rss: memory.rss,
      sockets: countSockets(),
    };
    process.send?.(stats);
    if (message.reset) delay.reset();
  });
}
