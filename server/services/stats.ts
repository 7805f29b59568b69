import { localParts, zonedTime } from './business-hours';

/** Small pure helpers for the journal and insights: local days, percentiles, CSV, suppression. */

/** YYYY-MM-DD of an instant in a time zone. */
export function dayKey(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

export function addDays(day: string, n: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** [start, end) of a local day as instants (23 or 25 hours long across a DST change). */
export function dayRange(day: string, timeZone: string): { start: Date; end: Date } {
  const [y, m, d] = day.split('-').map(Number);
  const [y2, m2, d2] = addDays(day, 1).split('-').map(Number);
  return {
    start: zonedTime(y ?? 1970, m ?? 1, d ?? 1, 0, 0, timeZone),
    end: zonedTime(y2 ?? 1970, m2 ?? 1, d2 ?? 1, 0, 0, timeZone),
  };
}

/** Nearest-rank percentile (p in 0..100) of samples; null when there are none. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** Median (mean of the middle two for an even count); null when there are none. */
export function median(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Counts that could point at one or two people are withheld (null); zero stays zero. */
export const SMALL_COUNT = 3;
export function suppressSmall(n: number): number | null {
  return n > 0 && n < SMALL_COUNT ? null : n;
}

/**
 * One CSV field: quoted when needed; a leading = + - @ (or tab/CR) is prefixed with ' so a
 * spreadsheet never runs a note as a formula.
 */
export function csvField(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRows(rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

// Anchored on the "@" (a literal first character, found by a fast scan) with the local part
// walked back by hand: linear time. The former `[^\s@]+@[^\s@]+\.[^\s@]+` backtracked
// quadratically on a long staff note without an "@" (20 kB took 1.6 s).
const AT_DOMAIN = /@[^\s@.]{1,255}(?:\.[^\s@.]{1,63})+/g;

/** Replaces every e-mail address in `text` with "[address]". */
export function scrubAddresses(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(AT_DOMAIN)) {
    const at = m.index;
    let start = at;
    while (start > last && at - start < 64 && !/[\s@]/.test(text[start - 1] ?? ' ')) start--;
    if (start === at) continue; // no local part: not an address
    out += `${text.slice(last, start)}[address]`;
    last = at + m[0].length;
  }
  return out + text.slice(last);
}

/**
 * A staff note as the audit trail keeps it: an e-mail address in it (a saved reply may carry
 * the privacy office's) is replaced, because the trail refuses addresses and outlives accounts.
 * The member still receives the note as written.
 */
export function auditReason(note: string | undefined): { reason?: string } {
  if (!note) return {};
  return { reason: scrubAddresses(note).slice(0, 2000) };
}
