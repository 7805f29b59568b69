import { readdirSync, readFileSync } from 'node:fs';
import { HASH_THREAD_NICE, HashPool } from '../../../server/auth/hash-pool';

/** A thread's nice value (Linux keeps one per thread); null for a thread that has just ended. */
function niceOf(tid: string | number): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch (error) {
    // Listed, then gone before it was read (a runtime helper thread ending): not ours to count.
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw error;
  }
}

/** Nice values of this process's live threads. */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task')
    .map(niceOf)
    .filter((n): n is number => n !== null);
}

describe('password hashing threads', () => {
  let pool: HashPool;
  beforeEach(() => {
    pool = new HashPool(2);
  });
  afterEach(async () => {
    await pool.close();
  });

  it('hashes and checks passwords', async () => {
    const hash = await pool.hash('correct horse battery staple', 4);
    expect(hash).toMatch(/^\$2b\$04\$/);
    await expect(pool.compare('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(pool.compare('wrong horse battery staple', hash)).resolves.toBe(false);
  });

  it('answers every one of many sign-ins at once, with two threads', async () => {
    const hash = await pool.hash('pw', 4);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => pool.compare(i % 2 === 0 ? 'pw' : 'nope', hash)),
    );
    expect(answers).toEqual(Array.from({ length: 12 }, (_, i) => i % 2 === 0));
  });

  it('runs the hashing threads below the priority of the event loop', async () => {
    const before = threadNiceValues().filter((n) => n === HASH_THREAD_NICE).length;
    await pool.hash('pw', 4);
    const mine = threadNiceValues();
    expect(mine.filter((n) => n === HASH_THREAD_NICE).length).toBe(before + 1);
    // The test's own thread (the event loop, whose id is the process id) keeps its priority.
    expect(niceOf(process.pid)).toBe(0);
  });

  it('fails a job with a malformed stored hash without losing the thread', async () => {
    await expect(pool.compare('pw', 'not a bcrypt hash')).resolves.toBe(false);
    const hash = await pool.hash('pw', 4);
    await expect(pool.compare('pw', hash)).resolves.toBe(true);
  });

  it('refuses new work once closed', async () => {
    await pool.close();
    await expect(pool.hash('pw', 4)).rejects.toThrow('password hashing stopped');
  });
});
