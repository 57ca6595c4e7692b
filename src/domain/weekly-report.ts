import { localParts, type Weekday, zonedTime } from './business-clock.js';
import { computeFlowMetrics, type MetricsOptions, type Period, type StateChange } from './flow-metrics.js';
import { countDecisions, type DecisionCell } from './quality-metrics.js';

/**
 * The weekly report to leads: each Monday at REPORT_TIME in the lead's own timezone, the figures of
 * the week that just ended for every team they lead, with the REPORT_WEEKS weeks before it for the
 * chart. Weeks run Monday 00:00 to Monday 00:00 on the lead's clock, so "last week" is the week the
 * lead lived through. Pure: the service reads the rows, the job decides who is due.
 */

export const REPORT_WEEKS = 12;
/** Local time on Monday from which a lead's report is due. */
export const REPORT_TIME = '09:00';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEKDAY_INDEX: Record<Weekday, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

/** `date` ('YYYY-MM-DD') moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The local date of the Monday of the week `instant` falls in, in `timezone`. */
export function mondayOf(instant: Date, timezone: string): string {
  const local = localParts(instant, timezone);
  return addDays(local.date, -WEEKDAY_INDEX[local.weekday]);
}

/**
 * The week whose report is due for a person in `timezone` at `now`: the Monday of the current local
 * week once its REPORT_TIME has passed (so a run on Tuesday after a Monday of downtime still finds
 * it), null before that. The caller claims it, so it goes out once.
 */
export function dueReportWeek(now: Date, timezone: string): string | null {
  const monday = mondayOf(now, timezone);
  return now.getTime() >= zonedTime(monday, REPORT_TIME, timezone).getTime() ? monday : null;
}

/** The REPORT_WEEKS full weeks before the report's Monday, oldest first, each as its Monday and its span on the lead's clock. */
export function reportWeeks(reportMonday: string, timezone: string, count = REPORT_WEEKS): Array<{ weekOf: string; period: Period }> {
  return Array.from({ length: count }, (_, i) => {
    const weekOf = addDays(reportMonday, -7 * (count - i));
    return { weekOf, period: { from: zonedTime(weekOf, '00:00', timezone), to: zonedTime(addDays(weekOf, 7), '00:00', timezone) } };
  });
}

/** What a team received in one week. */
export interface ReceivedWeek {
  /** The week's Monday (local date). */
  readonly weekOf: string;
  /** Handoffs whose first decision (accept or return) was this week. */
  readonly decided: number;
  /** Of those, not returned before the week ended. */
  readonly firstTimeRight: number;
  /** Returns the team made this week. */
  readonly returns: number;
  /** Accept and complete SLA breaches (measured this week, or still running past the SLA when it ended). */
  readonly slaBreaches: number;
  /** Acceptances and completions measured against an SLA this week, plus those still running past it. */
  readonly slaMeasured: number;
  readonly accepted: number;
  /** Time to accept in business minutes of the team; null without acceptances. */
  readonly acceptP50: number | null;
  readonly acceptP90: number | null;
}

/** How the work a team sent fared in one week. */
export interface SentWeek {
  readonly weekOf: string;
  readonly decided: number;
  readonly firstTimeRight: number;
  /** Returns of the team's handoffs this week. */
  readonly returns: number;
}

export interface TeamWeeks {
  readonly teamKey: string;
  readonly teamName: string;
  /** One entry per week, oldest first; the last is the week reported on. */
  readonly received: readonly ReceivedWeek[];
  /** The same weeks for work the team sent; empty when it sent nothing in any of them. */
  readonly sent: readonly SentWeek[];
}

/** One lead's report: stored in the outbox when it was due and rendered when sent. */
export interface WeeklyReport {
  /** The Monday of the week the report went out (local date); the figures are for the week before. */
  readonly weekOf: string;
  readonly timezone: string;
  readonly teams: readonly TeamWeeks[];
}

/** One team's weekly figures from its state changes (as receiving team) and the decisions on its handoffs (sending or receiving). */
export function computeTeamWeeks(
  team: { key: string; name: string },
  changes: readonly StateChange[],
  decisions: readonly DecisionCell[],
  weeks: ReadonlyArray<{ weekOf: string; period: Period }>,
  opts: { flow: MetricsOptions },
): TeamWeeks {
  const received = decisions.filter((c) => c.toTeam === team.key);
  const sent = decisions.filter((c) => c.fromTeam === team.key);
  const receivedWeeks = weeks.map(({ weekOf, period }): ReceivedWeek => {
    const flow = computeFlowMetrics(changes, period, opts.flow);
    const quality = countDecisions(received, period);
    return {
      weekOf,
      decided: quality.decided,
      firstTimeRight: quality.firstTimeRight,
      returns: quality.returns,
      slaBreaches: flow.acceptBreaches.part + flow.completeBreaches.part,
      slaMeasured: flow.acceptBreaches.whole + flow.completeBreaches.whole,
      accepted: flow.accepted,
      acceptP50: flow.timeToAccept.median,
      acceptP90: flow.timeToAccept.p90,
    };
  });
  const sentWeeks = weeks.map(({ weekOf, period }): SentWeek => {
    const q = countDecisions(sent, period);
    return { weekOf, decided: q.decided, firstTimeRight: q.firstTimeRight, returns: q.returns };
  });
  const sentAnything = sentWeeks.some((w) => w.decided + w.returns > 0);
  return { teamKey: team.key, teamName: team.name, received: receivedWeeks, sent: sentAnything ? sentWeeks : [] };
}

/** First-time right of a week as a share (0..1), or null when nothing was decided. */
export function weekFirstTimeRight(w: { decided: number; firstTimeRight: number }): number | null {
  return w.decided === 0 ? null : w.firstTimeRight / w.decided;
}
