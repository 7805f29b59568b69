import type { Deps } from '../deps';
import { lastSuccessfulRun, runRecordedJob } from './jobs';
import { sendDigests } from './notification-delivery';
import { sendWaitingAlerts } from './queue-alerts';
import { DIGEST_JOB, EXPORTS_JOB, RETENTION_JOB, runRetention } from './retention';
import type { Services } from './index';

const DAY_MS = 86_400_000;

/**
 * One tick of background work: resume/expire data exports, send due daily summaries, and run
 * retention once a day. Each job runs under its own lease, so with several instances each tick
 * does each job at most once across all of them.
 */
export async function schedulerTick(deps: Deps, services: Services): Promise<void> {
  await runRecordedJob(deps, EXPORTS_JOB, 10 * 60_000, async () => {
    return services.dataExport.runExportMaintenance();
  });
  await runRecordedJob(deps, DIGEST_JOB, 10 * 60_000, async () => ({
    ...(await sendWaitingAlerts(deps)),
    ...(await sendDigests(deps)),
  }));
  const last = await lastSuccessfulRun(RETENTION_JOB);
  if (!last || deps.clock.now().getTime() - last.getTime() >= DAY_MS) {
    await runRetention(deps);
  }
}

/** Starts the loop (first tick at once, which also resumes exports interrupted by a restart). */
export function startScheduler(deps: Deps, services: Services): () => void {
  let stopped = false;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (stopped || running) return;
    running = schedulerTick(deps, services)
      .catch((error: unknown) => {
        deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'scheduler');
      })
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, deps.config.schedulerIntervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
