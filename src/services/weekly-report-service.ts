import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { MetricsRepo } from '../db/metrics-repo.js';
import { businessTimeline } from '../domain/business-clock.js';
import { ownEntry } from '../domain/own-entry.js';
import { calendarOf } from '../domain/sla.js';
import { computeTeamWeeks, REPORT_WEEKS, reportWeeks, type WeeklyReport } from '../domain/weekly-report.js';
import type { InsightsService } from './insights-service.js';
import { slaMinutesOf } from './stats-service.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** History before the first week the business timeline covers: waits that began earlier are measured from there. */
const TIMELINE_LEAD_DAYS = 30;

/** The figures of a lead's weekly report: flow metrics from the event history, quality figures per week from the decisions' day sums. */
export class WeeklyReportService {
  constructor(private readonly deps: { config: WorkflowConfig; metrics: MetricsRepo; insights: Pick<InsightsService, 'teamDecisions'> }) {}

  /** Teams each lead leads, in config order; a lead of several teams gets one report covering them all. */
  leads(): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const [key, team] of Object.entries(this.deps.config.teams))
      for (const lead of team.leads) {
        const teams = map.get(lead) ?? [];
        if (!teams.includes(key)) teams.push(key);
        map.set(lead, teams);
      }
    return map;
  }

  /** The report of the REPORT_WEEKS weeks before `weekOf` (a Monday, on `timezone`'s clock) for these teams. */
  async build(teamKeys: readonly string[], weekOf: string, timezone: string): Promise<WeeklyReport> {
    const weeks = reportWeeks(weekOf, timezone, REPORT_WEEKS);
    const from = weeks[0].period.from;
    const to = weeks[weeks.length - 1].period.to;
    const decisions = await this.deps.insights.teamDecisions(teamKeys, [...weeks.map((w) => w.period.from), to]);
    const teams: WeeklyReport['teams'][number][] = [];
    for (const key of teamKeys) {
      const team = ownEntry(this.deps.config.teams, key);
      if (!team) continue;
      const calendar = calendarOf(team);
      const timeline = businessTimeline(calendar, new Date(from.getTime() - TIMELINE_LEAD_DAYS * DAY_MS), to);
      const slaOf = slaMinutesOf(this.deps.config, calendar);
      const changes = await this.deps.metrics.stateChanges(key, from, to);
      teams.push(
        computeTeamWeeks({ key, name: team.name }, changes, decisions, weeks, {
          flow: { minutesBetween: (a, b) => timeline.minutesBetween(a, b), slaOf },
        }),
      );
    }
    return { weekOf, timezone, teams };
  }
}
