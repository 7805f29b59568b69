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

/** Items by a key (a batch's rows by the caller they answer). */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * The same read asked by several callers at the same time goes out once. A call made while the
 * same read (same key) is in flight waits for it to come back and then goes out again, once, for
 * everyone who waited: as with `batched`, no caller gets an answer to a query sent before it asked.
 * Different keys never wait for each other.
 *
 * The answer is shared between callers, so it is frozen (plain objects and arrays, deeply): a
 * caller that tried to change it would throw instead of changing what another request shows.
 */
export function coalesced<A extends unknown[], T>(
  keyOf: (...args: A) => string,
  load: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  type Waiter = { resolve: (out: T) => void; reject: (error: unknown) => void };
  const slots = new Map<string, Waiter[]>();

  async function drain(key: string, waiting: Waiter[], args: A): Promise<void> {
    while (waiting.length > 0) {
      const round = waiting.splice(0);
      try {
        const out = deepFreeze(await load(...args));
        for (const w of round) w.resolve(out);
      } catch (error) {
        for (const w of round) w.reject(error);
      }
    }
    slots.delete(key);
  }

  return (...args) =>
    new Promise<T>((resolve, reject) => {
      const key = keyOf(...args);
      const waiting = slots.get(key);
      if (waiting) {
        waiting.push({ resolve, reject });
        return;
      }
      const fresh: Waiter[] = [{ resolve, reject }];
      slots.set(key, fresh);
      queueMicrotask(() => void drain(key, fresh, args));
    });
}

/** Freezes plain objects and arrays, all the way down (ids, dates and buffers are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    // Maps hold shared answers too (names by id): their entries are frozen, the map is not.
    if (value instanceof Map) for (const v of value.values()) deepFreeze(v);
    return value;
  }
  Object.freeze(value);
  for (const v of Object.values(value as object)) deepFreeze(v);
  return value;
}
