import { dueReportWeek } from '../domain/weekly-report.js';
import { type JobDeps } from './deps.js';

export interface ReportRunResult {
  /** Leads in the config. */
  readonly leads: number;
  /** Reports queued by this run. */
  readonly queued: number;
}

/** The week due for a lead, on UTC when Slack gave a timezone the clock cannot read. */
function dueWeek(now: Date, timezone: string): { weekOf: string; timezone: string } | null {
  try {
    const weekOf = dueReportWeek(now, timezone);
    return weekOf ? { weekOf, timezone } : null;
  } catch {
    const weekOf = dueReportWeek(now, 'UTC');
    return weekOf ? { weekOf, timezone: 'UTC' } : null;
  }
}

/**
 * One pass of the weekly report job as of `now`, after a catch-up of the insights facts. Every
 * lead whose local Monday REPORT_TIME has passed this week, and who has had no report for this week,
 * gets one covering all the teams they lead. The claim (one row per lead and week) makes a second run send nothing, and a run later in
 * the week (after downtime) still sends the week's report once.
 */
export async function runReport(deps: JobDeps, now: Date): Promise<ReportRunResult> {
  // Every 15 minutes on one instance: a gap in the insights facts heals within minutes, report or not.
  await deps.quality?.catchUp(now);
  const leads = deps.weekly.leads();
  if (leads.size === 0) return { leads: 0, queued: 0 };
  const timezones = await deps.people.timezones([...leads.keys()]);
  let queued = 0;
  for (const [userId, teamKeys] of leads) {
    const due = dueWeek(now, timezones.get(userId) ?? 'UTC');
    if (!due || (await deps.reports.isClaimed(userId, due.weekOf))) continue;
    // Built before the claim (it reads a lot); the claim then decides whether this run sends it.
    const report = await deps.weekly.build(teamKeys, due.weekOf, due.timezone);
    await deps.handoffs.transaction(async (tx) => {
      if (!(await deps.reports.claim(tx, userId, due.weekOf, now))) return;
      await deps.handoffs.enqueue(tx, [{ type: 'weekly_report', userId, report }], now);
      queued++;
    });
  }
  if (queued > 0) deps.outbox.kick();
  return { leads: leads.size, queued };
}
