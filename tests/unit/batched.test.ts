import { batched, coalesced, deepFreeze } from '../../server/services/batched';

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

describe('coalesced (the same read asked at the same time goes out once)', () => {
  function manualRead() {
    const sent: string[] = [];
    const finish: Array<() => void> = [];
    let version = 0;
    const read = coalesced(
      (group: string) => group,
      (group: string) =>
        new Promise<{ group: string; version: number; posts: Array<{ id: number }> }>((resolve) => {
          sent.push(group);
          const answer = { group, version: (version += 1), posts: [{ id: 1 }] };
          finish.push(() => resolve(answer));
        }),
    );
    return { read, sent, finish };
  }

  it('callers asking together share one answer; a caller asking later gets a newer read', async () => {
    const { read, sent, finish } = manualRead();
    const together = [read('g1'), read('g1')];
    await tick();
    expect(sent).toEqual(['g1']);
    // Asked while that read is out: it must not get an answer to a query sent before it asked.
    const later = read('g1');
    finish[0]?.();
    const [a, b] = await Promise.all(together);
    expect(a).toBe(b);
    expect(a?.version).toBe(1);
    await tick();
    expect(sent).toEqual(['g1', 'g1']);
    finish[1]?.();
    expect((await later).version).toBe(2);
  });

  it('different keys never wait for each other', async () => {
    const { read, sent, finish } = manualRead();
    const one = read('g1');
    const two = read('g2');
    await tick();
    expect(sent).toEqual(['g1', 'g2']);
    finish[1]?.();
    expect((await two).group).toBe('g2');
    finish[0]?.();
    expect((await one).group).toBe('g1');
  });

  it('the shared answer cannot be changed by one caller under another', async () => {
    const { read, finish } = manualRead();
    const pending = read('g1');
    await tick();
    finish[0]?.();
    const answer = await pending;
    expect(() => {
      (answer.posts[0] as { id: number }).id = 2;
    }).toThrow(TypeError);
    expect(() => answer.posts.push({ id: 3 })).toThrow(TypeError);
  });

  it('freezes plain data deeply but leaves dates and ids usable', () => {
    const at = new Date('2026-03-02T10:00:00Z');
    const frozen = deepFreeze({ at, list: [{ n: 1 }] });
    expect(Object.isFrozen(frozen.list[0])).toBe(true);
    expect(Object.isFrozen(at)).toBe(false);
    expect(frozen.at.toISOString()).toBe('2026-03-02T10:00:00.000Z');
  });
});
