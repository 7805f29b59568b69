/**
 * A sorted list kept as a list of small sorted chunks (the "sortedcontainers" layout): O(log n)
 * search, inserts and removals move at most one chunk, and memory stays close to one pointer per
 * entry. Good enough for an index of millions of entries without a full B-tree.
 */
const MAX_CHUNK = 512;

export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly cmp: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** Index of the first chunk whose last element is >= probe (by `test(last) >= 0`). */
  private chunkFor(test: (x: T) => number): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid] as T[];
      if (test(chunk[chunk.length - 1] as T) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static lowerBound<T>(chunk: T[], test: (x: T) => number): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (test(chunk[mid] as T) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(item: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const test = (x: T) => this.cmp(x, item);
    let ci = this.chunkFor(test);
    if (ci === this.chunks.length) ci--;
    const chunk = this.chunks[ci] as T[];
    chunk.splice(SortedList.lowerBound(chunk, test), 0, item);
    if (chunk.length > MAX_CHUNK) {
      this.chunks.splice(ci + 1, 0, chunk.splice(MAX_CHUNK >> 1));
    }
  }

  /** Removes one element comparing equal to `item`; returns whether one was found. */
  remove(item: T): boolean {
    const test = (x: T) => this.cmp(x, item);
    const ci = this.chunkFor(test);
    const chunk = this.chunks[ci];
    if (!chunk) return false;
    const i = SortedList.lowerBound(chunk, test);
    if (i >= chunk.length || this.cmp(chunk[i] as T, item) !== 0) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /**
   * Elements from the first one with `from(x) >= 0` (or the start) while `until(x) <= 0`,
   * ascending; or, when reverse, from the last with `until(x) <= 0` down while `from(x) >= 0`.
   */
  *range(
    from: ((x: T) => number) | null,
    until: ((x: T) => number) | null,
    reverse = false,
  ): Generator<T> {
    if (!reverse) {
      let ci = from ? this.chunkFor(from) : 0;
      let i = from && this.chunks[ci] ? SortedList.lowerBound(this.chunks[ci] as T[], from) : 0;
      for (; ci < this.chunks.length; ci++, i = 0) {
        const chunk = this.chunks[ci] as T[];
        for (; i < chunk.length; i++) {
          const x = chunk[i] as T;
          if (until && until(x) > 0) return;
          yield x;
        }
      }
      return;
    }
    // First element with until(x) > 0, then walk backwards.
    const after = until ? (x: T) => (until(x) > 0 ? 0 : -1) : null;
    let ci = after ? this.chunkFor(after) : this.chunks.length;
    let i: number;
    if (ci >= this.chunks.length) {
      ci = this.chunks.length - 1;
      i = (this.chunks[ci]?.length ?? 0) - 1;
    } else {
      i = SortedList.lowerBound(this.chunks[ci] as T[], after as (x: T) => number) - 1;
    }
    for (; ci >= 0; ci--) {
      const chunk = this.chunks[ci] as T[];
      if (i === -2) i = chunk.length - 1;
      for (; i >= 0; i--) {
        const x = chunk[i] as T;
        if (from && from(x) < 0) return;
        yield x;
      }
      i = -2;
    }
  }
}
