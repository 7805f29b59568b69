import type { Deps } from '../deps';
import { lastSuccessfulRun, runRecordedJob, withLease } from './jobs';
import { sendDigests } from './notification-delivery';
import { checkWaitingTargets } from './coverage-alerts';
import { DIGEST_JOB, EXPORTS_JOB, RETENTION_JOB, runRetention } from './retention';
import type { Services } from './index';
import { ANNOUNCEMENTS_JOB, publishDueAnnouncements } from './announcements';

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
    // Waiting targets in covered time (rota + business hours), escalated once (issue 14).
    ...(await checkWaitingTargets(deps)),
    ...(await sendDigests(deps)),
  }));
  // Scheduled announcements: the lease keeps instances from doing the same work; the conditional
  // update inside publishes each one exactly once even if two instances got past it.
  await runRecordedJob(deps, ANNOUNCEMENTS_JOB, 5 * 60_000, () => publishDueAnnouncements(deps));
  // "Is it due?" and the run share one lease: checked outside it, an instance could see no run
  // today, wait while another instance ran and released, then run the day's retention again.
  await withLease(deps, `${RETENTION_JOB}:schedule`, 35 * 60_000, async () => {
    const last = await lastSuccessfulRun(RETENTION_JOB);
    if (!last || deps.clock.now().getTime() - last.getTime() >= DAY_MS) {
      await runRetention(deps);
    }
  });
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
