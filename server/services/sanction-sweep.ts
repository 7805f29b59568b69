import type { Logger } from 'pino';
import type { Services } from '.';

/** Runs `sweepExpiredSanctions` every `intervalMs` (unref'd: never keeps the process alive). */
export function startSanctionSweep(
  services: Services,
  log: Logger,
  intervalMs: number,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    services.sanctions
      .sweepExpiredSanctions()
      .then((cleared) => {
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
