import { batched } from '../../server/services/batched';

/** A run whose batches we can see and finish by hand, like a database round trip. */
function manual() {
  const calls: number[][] = [];
  const finish: Array<() => void> = [];
  const run = batched(
    (items: number[]) =>
      new Promise<string[]>((resolve) => {
        calls.push(items);
        finish.push(() => resolve(items.map((i) => `r${i}`)));
      }),
    3,
  );
  return { run, calls, finish };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('batched (group commit for round trips)', () => {
  it('sends an idle call at once, and the calls made meanwhile together next', async () => {
    const { run, calls, finish } = manual();
    const first = run(1);
    await tick();
    expect(calls).toEqual([[1]]);
    const later = [run(2), run(3)];
    await tick();
    expect(calls).toEqual([[1]]); // waiting for the one in flight
    finish[0]?.();
    expect(await first).toBe('r1');
    await tick();
    expect(calls).toEqual([[1], [2, 3]]);
    finish[1]?.();
    expect(await Promise.all(later)).toEqual(['r2', 'r3']);
  });

  it('calls made in the same tick share one batch, up to the largest batch', async () => {
    const { run, calls, finish } = manual();
    const all = [1, 2, 3, 4].map((i) => run(i));
    await tick();
    expect(calls).toEqual([[1, 2, 3]]);
    finish[0]?.();
    await tick();
    expect(calls).toEqual([[1, 2, 3], [4]]);
    finish[1]?.();
    expect(await Promise.all(all)).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('a failed batch fails all of its callers, and the next batch still runs', async () => {
    let n = 0;
    const run = batched(async (items: number[]) => {
      n += 1;
      if (n === 1) throw new Error('connection lost');
      return items.map((i) => i * 10);
    });
    const failed = [run(1), run(2)].map((p) => p.catch((e: Error) => e.message));
    expect(await Promise.all(failed)).toEqual(['connection lost', 'connection lost']);
    await expect(run(3)).resolves.toBe(30);
  });
});
