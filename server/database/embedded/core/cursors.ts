/** Open cursors: materialised results handed out batch by batch through getMore. */
import { Long } from 'bson';

export interface Cursor {
  id: bigint;
  ns: string;
  docs: Buffer[];
  offset: number;
  lastUsed: number;
}

const IDLE_MS = 10 * 60 * 1000;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export class CursorRegistry {
  private readonly open = new Map<bigint, Cursor>();
  private next = 1n;

  /** Takes up to `batchSize` documents (and at most ~16 MB) from the front. */
  static take(docs: Buffer[], offset: number, batchSize: number | undefined): Buffer[] {
    const out: Buffer[] = [];
    let bytes = 0;
    for (let i = offset; i < docs.length; i++) {
      if (batchSize !== undefined && out.length >= batchSize) break;
      const d = docs[i] as Buffer;
      if (out.length > 0 && bytes + d.length > MAX_BATCH_BYTES) break;
      bytes += d.length;
      out.push(d);
    }
    return out;
  }

  /** Registers the rest of a result after its first batch; returns the cursor id (0 = exhausted). */
  create(ns: string, docs: Buffer[], offset: number, now: number): Long {
    if (offset >= docs.length) return Long.ZERO;
    const id = this.next++;
    this.open.set(id, { id, ns, docs, offset, lastUsed: now });
    return Long.fromBigInt(id);
  }

  get(id: bigint): Cursor | undefined {
    return this.open.get(id);
  }

  kill(id: bigint): boolean {
    return this.open.delete(id);
  }

  get size(): number {
    return this.open.size;
  }

  /** Drops cursors idle for 10 minutes, as mongod does. */
  reap(now: number): void {
    for (const [id, c] of this.open) if (now - c.lastUsed > IDLE_MS) this.open.delete(id);
  }
}
