import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { QualityRepo, QualityScope } from '../db/quality-repo.js';
import { type BusinessTimeline, businessTimeline } from '../domain/business-clock.js';
import { DomainError } from '../domain/errors.js';
import { ownEntry } from '../domain/own-entry.js';
import type { Clock, TeamDirectory } from '../domain/ports.js';
import { buildQualityReport, comparedPeriods, compareTypeVersions, type DecisionCell, type QualityReport, type ResubmissionCell, type VersionChange } from '../domain/quality-metrics.js';
import { type Suggestion, suggestTypeChanges } from '../domain/quality-suggestions.js';
import { calendarOf } from '../domain/sla.js';
import { parseSubjectAndPeriod } from './stats-service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `/handoff insights` is about: a team (work it sends and receives) or one handoff type. */
export interface InsightsScope {
  readonly kind: 'team' | 'type';
  readonly key: string;
  readonly name: string;
}

export interface InsightsAnswer {
  readonly scope: InsightsScope;
  readonly report: QualityReport;
  readonly suggestions: readonly Suggestion[];
  /** Per type, first-time right before and after each change of its definition. */
  readonly versions: ReadonlyArray<{ readonly typeKey: string; readonly changes: readonly VersionChange[] }>;
  /** Other teams this person may ask about. */
  readonly otherTeams: readonly string[];
}

/**
 * Why handoffs come back, per type and per sending → receiving team pair. Who may see a team's
 * insights: its members and leads (they cover work it sends and work it receives); a type's: the
 * members and leads of its sending or receiving team.
 */
export class InsightsService {
  constructor(private readonly deps: { config: WorkflowConfig; quality: QualityRepo; directory: TeamDirectory; clock: Clock }) {}

  private async visibleTeams(userId: string): Promise<string[]> {
    const lead = Object.keys(this.deps.config.teams).filter((key) => this.deps.directory.isLead(key, userId));
    return [...lead, ...(await this.deps.directory.teamsOf(userId)).filter((key) => !lead.includes(key))];
  }

  /** The quality report of a scope over `days` up to `now`, against the `days` before, with suggestions and version changes. */
  async report(scope: InsightsScope, days: number, now = this.deps.clock.now()): Promise<Omit<InsightsAnswer, 'otherTeams'>> {
    const { current, previous } = comparedPeriods(now, days);
    const repoScope: QualityScope = scope.kind === 'team' ? { team: scope.key } : { type: scope.key };
    const cells = await this.deps.quality.cells(repoScope, [previous.from, current.from, now], { detail: true });
    const report = buildQualityReport(cells, now, days, { minutesLost: this.minutesLost(previous.from, now) });
    const suggestions = report.byType.flatMap((g) => {
      const type = ownEntry(this.deps.config.handoffTypes, g.key);
      return type ? suggestTypeChanges(g.key, type, g.current) : [];
    });
    const window = { from: previous.from, to: now };
    const versions = report.byType
      .map((g) => ({ typeKey: g.key, changes: compareTypeVersions(cells.decisions.filter((c) => c.typeKey === g.key), window) }))
      .filter((v) => v.changes.length > 0);
    return { scope, report, suggestions, versions };
  }

  /** The same report for several teams at once (a lead's Home). */
  async teamsReport(teamKeys: readonly string[], days: number, now = this.deps.clock.now()): Promise<QualityReport> {
    const { current, previous } = comparedPeriods(now, days);
    const cells = await this.deps.quality.cells({ teams: teamKeys }, [previous.from, current.from, now], { detail: true });
    return buildQualityReport(cells, now, days, { minutesLost: this.minutesLost(previous.from, now) });
  }

  /** Decisions and returns of some teams in consecutive periods (the weekly report's weeks), between `boundaries`. */
  async teamDecisions(teamKeys: readonly string[], boundaries: readonly Date[]): Promise<readonly DecisionCell[]> {
    return (await this.deps.quality.cells({ teams: teamKeys }, boundaries, { detail: false })).decisions;
  }

  /**
   * Business minutes from a return to the resubmission that answers it: the requester fixes it on
   * their own team's clock (the receiving team's when the type has no sending team), as the resubmit
   * reminder does.
   */
  minutesLost(from: Date, to: Date): (r: ResubmissionCell) => number {
    const timelines = new Map<string, BusinessTimeline>();
    return (r) => {
      const teamKey = r.fromTeam && ownEntry(this.deps.config.teams, r.fromTeam) ? r.fromTeam : r.toTeam;
      let timeline = timelines.get(teamKey);
      if (!timeline) {
        const team = ownEntry(this.deps.config.teams, teamKey);
        // A team removed from the config keeps its history; its time is counted round the clock.
        const calendar = team ? calendarOf(team) : { timezone: 'UTC', holidays: [] };
        timeline = businessTimeline(calendar, new Date(from.getTime() - 30 * DAY_MS), to);
        timelines.set(teamKey, timeline);
      }
      return timeline.minutesBetween(r.returnedAt, r.at);
    };
  }

  /** `/handoff insights [team|type] [7d|30d|90d]`, in either order; refusals are DomainErrors that say what to ask instead. */
  async answer(userId: string, args: readonly string[]): Promise<InsightsAnswer> {
    const { days, subject: target } = parseSubjectAndPeriod(args, 'Ask for one team or type and one period, e.g. `insights ops 30d`.');
    const visible = await this.visibleTeams(userId);
    const list = visible.length ? `You can see: ${visible.map((k) => `\`${k}\``).join(', ')}, and the types they send or receive.` : 'Insights are for the members and leads of a team, and you are in none.';
    let scope: InsightsScope;
    if (target === undefined) {
      if (visible.length === 0) throw new DomainError('forbidden', list);
      scope = this.teamScope(visible[0]);
    } else if (ownEntry(this.deps.config.teams, target)) {
      if (!visible.includes(target)) throw new DomainError('forbidden', `Insights of ${this.teamScope(target).name} are for its members and leads. ${list}`);
      scope = this.teamScope(target);
    } else {
      const type = ownEntry(this.deps.config.handoffTypes, target);
      if (!type) throw new DomainError('not_found', `There is no team or handoff type \`${target}\`. ${list}`);
      if (!visible.includes(type.to) && !(type.from && visible.includes(type.from)))
        throw new DomainError('forbidden', `Insights of “${type.name}” are for the teams that send and receive it. ${list}`);
      scope = { kind: 'type', key: target, name: type.name };
    }
    return { ...(await this.report(scope, days)), otherTeams: visible.filter((k) => !(scope.kind === 'team' && k === scope.key)) };
  }

  private teamScope(key: string): InsightsScope {
    return { kind: 'team', key, name: ownEntry(this.deps.config.teams, key)?.name ?? key };
  }
}
