/** Latency summaries (milliseconds) and the result rows every scenario reports. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length
      ? (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number)
      : NaN;
  return { n: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** One line of the results table: Harbour's figure, the baseline's, their ratio and the target. */
export interface Row {
  scenario: string;
  figure: string;
  harbour: number;
  baseline?: number;
  /** harbour / baseline (for throughput: how much of the baseline's rate Harbour reaches). */
  ratio?: number;
  target?: string;
  met?: boolean;
}

export function row(r: Omit<Row, 'ratio'> & { ratio?: number }): Row {
  const ratio =
    r.ratio ?? (r.baseline !== undefined && r.baseline !== 0 ? r.harbour / r.baseline : undefined);
  return { ...r, ...(ratio !== undefined ? { ratio } : {}) };
}

export const now = (): number => performance.now();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
