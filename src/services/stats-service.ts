import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { MetricsRepo } from '../db/metrics-repo.js';
import { businessTimeline, parseDuration } from '../domain/business-clock.js';
import { DomainError } from '../domain/errors.js';
import { buildTeamFlowReport, type SlaMinutes, type TeamFlowReport } from '../domain/flow-metrics.js';
import type { Clock, TeamDirectory } from '../domain/ports.js';
import { calendarOf } from '../domain/sla.js';
import { ownEntry } from '../domain/own-entry.js';

/** The periods `/handoff stats` offers, in days. */
export const STATS_PERIODS: Readonly<Record<string, number>> = { '7d': 7, '30d': 30, '90d': 90 };
export const DEFAULT_STATS_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
/** How much history before the compared periods the business timeline covers; older instants fall back to the day-by-day walk. */
const TIMELINE_LEAD_DAYS = 30;

export interface StatsAnswer {
  readonly report: TeamFlowReport;
  /** Other teams this person may ask about. */
  readonly otherTeams: readonly string[];
}

/**
 * Flow metrics of receiving teams. Who may see them: a team's leads and its members (the numbers
 * are the team's own and name nobody); other people, including the teams that send it work, may not.
 */
export class StatsService {
  constructor(private readonly deps: { config: WorkflowConfig; metrics: MetricsRepo; directory: TeamDirectory; clock: Clock }) {}

  leadTeams(userId: string): string[] {
    return Object.keys(this.deps.config.teams).filter((key) => this.deps.directory.isLead(key, userId));
  }

  /** Teams whose stats this person may see: those they lead first, then those they are a member of. */
  async visibleTeams(userId: string): Promise<string[]> {
    const lead = this.leadTeams(userId);
    return [...lead, ...(await this.deps.directory.teamsOf(userId)).filter((key) => !lead.includes(key))];
  }

  /** A team's report for `days` days ending now, against the `days` before; `perType: false` leaves out the per-type breakdown. */
  async teamReport(teamKey: string, days: number, opts: { perType?: boolean } = {}): Promise<TeamFlowReport> {
    const team = ownEntry(this.deps.config.teams, teamKey);
    if (!team) throw new DomainError('not_found', `There is no team "${teamKey}".`);
    const now = this.deps.clock.now();
    const from = new Date(now.getTime() - 2 * days * DAY_MS);
    const calendar = calendarOf(team);
    const timeline = businessTimeline(calendar, new Date(from.getTime() - TIMELINE_LEAD_DAYS * DAY_MS), now);
    const slaOf = slaMinutesOf(this.deps.config, calendar);
    const changes = await this.deps.metrics.stateChanges(teamKey, from, now);
    return buildTeamFlowReport(teamKey, changes, now, days, { minutesBetween: (a, b) => timeline.minutesBetween(a, b), slaOf, perType: opts.perType });
  }


  /** `/handoff stats [team] [7d|30d|90d]`, in either order; refusals are DomainErrors that say what to ask instead. */
  async answer(userId: string, args: readonly string[]): Promise<StatsAnswer> {
    const parsed = parseSubjectAndPeriod(args, 'Ask for one team and one period, e.g. `stats ops 30d`.');
    const days = parsed.days;
    let teamKey = parsed.subject;
    const visible = await this.visibleTeams(userId);
    const list = visible.length ? `You can see: ${visible.map((k) => `\`${k}\``).join(', ')}.` : 'Stats are for the members and leads of a team, and you are in none.';
    if (teamKey === undefined) {
      if (visible.length === 0) throw new DomainError('forbidden', list);
      teamKey = visible[0];
    } else {
      const team = ownEntry(this.deps.config.teams, teamKey);
      if (!team) throw new DomainError('not_found', `There is no team \`${teamKey}\`. ${list}`);
      if (!visible.includes(teamKey)) throw new DomainError('forbidden', `Stats of ${team.name} are for its members and leads. ${list}`);
    }
    return { report: await this.teamReport(teamKey, days), otherTeams: visible.filter((k) => k !== teamKey) };
  }
}

/**
 * `[subject] [7d|30d|90d]` in either order, as `/handoff stats` and `/handoff insights` take them; more
 * than two words, or a period not offered, is a DomainError that says what to ask instead.
 */
export function parseSubjectAndPeriod(args: readonly string[], tooMany: string): { days: number; subject?: string } {
  let days = DEFAULT_STATS_DAYS;
  let subject: string | undefined;
  if (args.length > 2) throw new DomainError('validation', tooMany);
  for (const raw of args) {
    const arg = raw.toLowerCase();
    if (/^\d+d$/.test(arg)) {
      const d = STATS_PERIODS[arg];
      if (!d) throw new DomainError('validation', `Pick a period of ${Object.keys(STATS_PERIODS).join(', ')}.`);
      days = d;
    } else subject = arg;
  }
  return { days, subject };
}

/** Each type's SLAs in business minutes of one team's calendar, worked out once per type. */
export function slaMinutesOf(config: WorkflowConfig, calendar: Parameters<typeof parseDuration>[1]): (typeKey: string) => SlaMinutes {
  const slas = new Map<string, SlaMinutes>();
  return (typeKey) => {
    let sla = slas.get(typeKey);
    if (!sla) {
      // A type removed from the config keeps its history but has no SLA to measure against.
      const s = ownEntry(config.handoffTypes, typeKey)?.sla;
      sla = { accept: s?.accept ? parseDuration(s.accept, calendar) : undefined, complete: s?.complete ? parseDuration(s.complete, calendar) : undefined };
      slas.set(typeKey, sla);
    }
    return sla;
  };
}
