/**
 * bcrypt on a few worker threads of lower CPU priority (nice 10).
 *
 * A cost-12 hash is ~250 ms of CPU. On libuv's pool (bcrypt's async API) it never blocks the event
 * loop, but the pool threads have the same priority as the loop: when the cores are busy, the
 * kernel shares them evenly and every sign-in delays the conversation's broadcasts (measured in
 * bench E). A thread of lower priority yields to the loop whenever both want the same core, and
 * still gets the whole core when the loop is idle. Under full load sign-ins slow down, posts don't.
 *
 * Linux keeps the nice value per thread, so `os.setPriority` in a worker lowers that thread only.
 * Where lowering fails (another OS), the worker still hashes, at normal priority.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

type Job =
  { op: 'hash'; data: string; cost: number } | { op: 'compare'; data: string; hash: string };

interface Pending {
  job: Job;
  resolve(value: string | boolean): void;
  reject(err: Error): void;
}

/** How much lower than the event loop the hashing threads run (0 normal … 19 lowest). */
export const HASH_THREAD_NICE = 15;

// Plain JavaScript evaluated in the worker, so the same code runs from the build and under ts-jest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try { require('node:os').setPriority(workerData.nice); } catch {}
const bcrypt = require(workerData.bcrypt);
parentPort.on('message', (job) => {
  try {
    const result = job.op === 'hash' ? bcrypt.hashSync(job.data, job.cost) : bcrypt.compareSync(job.data, job.hash);
    parentPort.postMessage({ ok: true, result });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
  }
});
`;

interface Slot {
  worker: Worker;
  current: Pending | undefined;
}

export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(private readonly size = Math.max(1, Math.min(2, availableParallelism()))) {}

  hash(data: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', data, cost }) as Promise<string>;
  }

  compare(data: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', data, hash }) as Promise<boolean>;
  }

  /** Ends the threads; jobs not started yet are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('password hashing stopped'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private run(job: Job): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('password hashing stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.current === undefined);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const next = this.queue.shift() as Pending;
      slot.current = next;
      slot.worker.ref(); // a job in progress keeps the process alive (a CLI awaiting a hash)
      slot.worker.postMessage(next.job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { nice: HASH_THREAD_NICE, bcrypt: require.resolve('bcrypt') },
    });
    const slot: Slot = { worker, current: undefined };
    worker.on(
      'message',
      (m: { ok: true; result: string | boolean } | { ok: false; error: string }) => {
        const done = slot.current;
        slot.current = undefined;
        // An idle hashing thread must not keep the process alive at shutdown.
        worker.unref();
        if (m.ok) done?.resolve(m.result);
        else done?.reject(new Error(m.error));
        this.dispatch();
      },
    );
    const lost = (err: Error): void => {
      // A thread that died takes its job with it: fail that job (the person can try again) and
      // let the next job start a new thread.
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      const job = slot.current;
      slot.current = undefined;
      job?.reject(err);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`password hashing thread exited (${code})`)));
    this.slots.push(slot);
    return slot;
  }
}

let shared: HashPool | undefined;

/** The process's pool, started on first use. */
export function hashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
