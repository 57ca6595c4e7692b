import { createTask, type ScheduledTask } from 'node-cron';
import type { Clock } from '../domain/ports.js';
import type { JobDeps } from './deps.js';
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
 * (`noOverlap`), and each runs once at start, because node-cron does not run what was missed
 * while the process was down.
 */
export function startJobs(deps: JobDeps, clock: Clock, schedule: JobSchedule = DEFAULT_SCHEDULE): { stop(): Promise<void> } {
  const run = (name: JobName) => async () => {
    const started = performance.now();
    try {
      const result = await runJob(name, deps, clock.now());
      deps.logger.info({ job: name, result, ms: Math.round(performance.now() - started) }, `job ${name} ran`);
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
