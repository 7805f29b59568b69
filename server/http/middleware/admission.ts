import type { RequestHandler, Response } from 'express';
import { BusyError } from '../../errors';
import { en } from '../../i18n/en';

/** Calls `fn` just before the response's headers go out (what the on-headers module does). */
function beforeHeaders(res: Response, fn: () => void): void {
  const writeHead = res.writeHead as (...args: unknown[]) => Response;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    fn();
    return writeHead.apply(this, args);
  } as Response['writeHead'];
}

/** Requests waiting beyond this many are answered 503 at once, rather than after a long wait. */
export const MAX_WAITING_READS = 1000;
const RETRY_AFTER_SECONDS = 5;

/**
 * At most `limit` reads (GET and HEAD) worked on at once by this instance; the others wait their
 * turn, first come first served. A read leaves the count when its headers go out (its work is
 * done; a slow phone receiving the rest holds no place) or when its client goes away.
 *
 * Why: everything a request has read and built stays alive until its answer is sent. With every
 * waiting request in progress at once (50 on one core in bench A), each took ~150 ms, long enough
 * for the garbage collector to copy it into the old generation, and requests at different steps
 * shared fewer database reads. Bounded, a page cost a fifth less CPU (README, Performance).
 *
 * Writes are never held back: a sign-in spends ~250 ms hashing, and pages must not queue behind
 * it, nor it behind them.
 */
export function readAdmission(limit: number, maxWaiting = MAX_WAITING_READS): RequestHandler {
  let active = 0;
  const waiting: Array<() => void> = [];
  let admitting = false;

  /**
   * Starts waiting reads while there is room, at once: a read that leaves lets the next one start
   * in the same tick. Deferred to a later tick, the reads that one shared database answer let
   * finish were no longer replaced together, and a page needed 4 database operations instead of
   * about 1. A read that starts, answers and leaves without waiting for anything comes back here
   * and finds the loop running, so the stack never grows with the queue.
   */
  function admit(): void {
    if (admitting) return;
    admitting = true;
    try {
      while (active < limit && waiting.length) waiting.shift()?.();
    } finally {
      admitting = false;
    }
  }

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    let state: 'waiting' | 'active' | 'done' = 'waiting';
    const start = () => {
      if (state !== 'waiting') return;
      state = 'active';
      active += 1;
      next();
    };
    const leave = () => {
      const was = state;
      state = 'done';
      if (was === 'waiting') {
        const at = waiting.indexOf(start);
        if (at !== -1) waiting.splice(at, 1);
      }
      if (was !== 'active') return;
      active -= 1;
      admit();
    };
    res.once('close', leave);
    beforeHeaders(res, leave);

    if (active < limit) {
      start();
    } else if (waiting.length < maxWaiting) {
      waiting.push(start);
    } else {
      state = 'done';
      next(new BusyError(en.errors.busy, RETRY_AFTER_SECONDS));
    }
  };
}
