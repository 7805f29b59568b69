/**
 * Group commit for database round trips. Calls made while a batch is in flight wait and go out
 * together as the next batch, so N concurrent callers cost one command instead of N; an idle
 * caller goes out at once (after the current synchronous work, so calls made together share it).
 *
 * Nothing is cached: every batch is a new command, sent after each of its callers asked, so a
 * caller always sees what was stored before it asked (its own writes included).
 *
 * `run` gets the items in call order and returns one result per item, in the same order. If it
 * throws, every caller in that batch gets the error.
 */
export function batched<I, O>(
  run: (items: I[]) => Promise<O[]>,
  maxBatch = 500,
): (item: I) => Promise<O> {
  const queue: Array<{ item: I; resolve: (out: O) => void; reject: (error: unknown) => void }> = [];
  let busy = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      try {
        const out = await run(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(out[i] as O));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    busy = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!busy) {
        busy = true;
        queueMicrotask(() => void drain());
      }
    });
}

/** Unique values by their string form, in first-seen order (for `$in` lists). */
export function uniqueBy<T>(values: Iterable<T>, key: (v: T) => string = String): T[] {
  const seen = new Map<string, T>();
  for (const v of values) if (!seen.has(key(v))) seen.set(key(v), v);
  return [...seen.values()];
}
