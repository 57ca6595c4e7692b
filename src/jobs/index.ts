import { createTask, type ScheduledTask } from 'node-cron';
import type { Clock } from '../domain/ports.js';
import type { JobDeps, JobLeasing } from './deps.js';
import { runDigest } from './run-digest.js';
import { runNudges } from './run-nudges.js';
import { runReport } from './run-report.js';

export { runDigest, runNudges, runReport };
export type JobName = 'nudges' | 'digest' | 'report';
export const JOB_NAMES: readonly JobName[] = ['nudges', 'digest', 'report'];

/** Runs one job once as of `now`: what the scheduler runs, and what `handoff jobs run` runs (timed and counted for /metrics). */
export async function runJob(name: JobName, deps: JobDeps, now: Date): Promise<unknown> {
  const once = (): Promise<unknown> => (name === 'nudges' ? runNudges(deps, now) : name === 'digest' ? runDigest(deps, now) : runReport(deps, now));
  return deps.metrics ? deps.metrics.timeJob(name, once) : once();
}

/** How long a job's lease lasts unless renewed; a run renews it every quarter of that, so only a dead instance's lease runs out. */
export const JOB_LEASE_MS = 2 * 60 * 1000;

export type LeasedRun = { readonly ran: true; readonly result: unknown } | { readonly ran: false; readonly holder: string | null };

/**
 * Runs one job once as of `now` if no other instance is running it: takes the job's lease row,
 * keeps it while the job runs, gives it back after. With `waitMs`, waits that long for the holder
 * to finish (the CLI); without, gives up at once (the scheduler: the holder's run does the work).
 * The lease keeps runs from overlapping; each reminder, digest and report is still claimed once on
 * its own (unique keys), so even overlapping runs would send nothing twice.
 */
export async function runJobLeased(name: JobName, deps: JobDeps, now: Date, lease: JobLeasing, waitMs = 0): Promise<LeasedRun> {
  const ttlMs = lease.ttlMs ?? JOB_LEASE_MS;
  const deadline = Date.now() + waitMs;
  while (!(await lease.repo.take(name, lease.owner, Date.now(), ttlMs))) {
    if (Date.now() >= deadline) return { ran: false, holder: (await lease.repo.holder(name))?.owner ?? null };
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now()))));
  }
  const renew = setInterval(() => {
    lease.repo
      .take(name, lease.owner, Date.now(), ttlMs)
      .then((kept) => {
        if (!kept) deps.logger.warn({ job: name }, `job ${name}: lost its lease to another instance while running`);
      })
      .catch((error: unknown) => deps.logger.warn({ job: name }, `job ${name}: could not renew its lease: ${(error as Error)?.message ?? error}`));
  }, ttlMs / 4);
  renew.unref();
  try {
    return { ran: true, result: await runJob(name, deps, now) };
  } finally {
    clearInterval(renew);
    await lease.repo.release(name, lease.owner).catch((error: unknown) => deps.logger.warn({ job: name }, `job ${name}: could not give its lease back: ${(error as Error)?.message ?? error}`));
  }
}

export interface JobSchedule {
  /** node-cron expressions, evaluated in UTC. */
  readonly nudges: string;
  readonly digest: string;
  readonly report: string;
}

/**
 * Nudges every 5 minutes; the digest job every 15 minutes sends to whoever reached their local
 * digest time, and the report job every 15 minutes to each lead whose local Monday 09:00 has passed.
 */
export const DEFAULT_SCHEDULE: JobSchedule = { nudges: '*/5 * * * *', digest: '*/15 * * * *', report: '*/15 * * * *' };

/**
 * Starts the jobs on node-cron. Each run is skipped while the previous one is still going
 * (`noOverlap`), or while another instance runs that job (its lease, `deps.lease`), and each runs
 * once at start, because node-cron does not run what was missed while the process was down.
 */
export function startJobs(deps: JobDeps, clock: Clock, schedule: JobSchedule = DEFAULT_SCHEDULE): { stop(): Promise<void> } {
  const run = (name: JobName) => async () => {
    const started = performance.now();
    try {
      const run = deps.lease ? await runJobLeased(name, deps, clock.now(), deps.lease) : { ran: true as const, result: await runJob(name, deps, clock.now()) };
      if (run.ran) deps.logger.info({ job: name, result: run.result, ms: Math.round(performance.now() - started) }, `job ${name} ran`);
      else deps.logger.info({ job: name, holder: run.holder }, `job ${name} skipped: another instance is running it`);
    } catch (error) {
      deps.logger.warn({ job: name, err: error, ms: Math.round(performance.now() - started) }, `job ${name} failed`);
    }
  };
  const tasks: ScheduledTask[] = JOB_NAMES.map((name) =>
    createTask(schedule[name], run(name), { name: `handoff-${name}`, noOverlap: true, timezone: 'UTC' }),
  );
  for (const task of tasks) void task.start();
  const catchUp = (async () => {
    await run('nudges')();
    await run('digest')();
    await run('report')();
  })();
  return {
    async stop() {
      for (const task of tasks) await task.stop();
      await catchUp;
    },
  };
}
