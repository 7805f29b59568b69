import type { Logger } from 'pino';
import type { Deps } from '../deps';
import { withLease } from './jobs';
import type { Services } from '.';

export const SANCTION_SWEEP_JOB = 'sanction-sweep';

/**
 * Runs `sweepExpiredSanctions` every `intervalMs` (unref'd: never keeps the process alive), under
 * a database lease so that with several instances one sweeps at a time.
 */
export function startSanctionSweep(
  deps: Pick<Deps, 'clock' | 'config'>,
  services: Services,
  log: Logger,
  intervalMs: number,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    withLease(deps, SANCTION_SWEEP_JOB, 5 * 60_000, () =>
      services.sanctions.sweepExpiredSanctions(),
    )
      .then(({ value: cleared = 0 }) => {
        if (cleared > 0)
          log.info({ event: 'sanctions.swept', cleared }, 'expired sanctions cleared');
      })
      .catch((error: unknown) => {
        log.error(
          { err: error instanceof Error ? error.message : String(error) },
          'sanction sweep failed',
        );
      })
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
