import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { HomeRepo } from '../db/home-repo.js';
import type { StallRepo } from '../db/stall-repo.js';
import type { TeamFlowReport } from '../domain/flow-metrics.js';
import { type HomeData, type HomeItem, splitPersonalItems, stalledFirst, toHomeItem } from '../domain/home.js';
import { approversOfHandoff } from '../domain/approval.js';
import type { Clock, TeamDirectory } from '../domain/ports.js';
import type { StatsService } from './stats-service.js';
import type { InsightsService } from './insights-service.js';
import type { QualityReport } from '../domain/quality-metrics.js';
import type { AwayService } from './away-service.js';

/** The Home tab shows at most this many of a team queue; the rest are counted. */
const QUEUE_FETCH = 30;
/** Team health on the Home covers this many days, against the same span before. */
export const HEALTH_DAYS = 30;
/** Team health changes slowly; a lead opening Home often reuses the numbers for this long. */
const HEALTH_TTL_MS = 5 * 60 * 1000;

/** What a person's App Home tab shows, and the record of who uses it. */
export class HomeService {
  private readonly health = new Map<string, { at: number; report: TeamFlowReport }>();
  private readonly qualityCache = new Map<string, { at: number; report: QualityReport }>();

  constructor(private readonly deps: { config: WorkflowConfig; stalls: StallRepo; homes: HomeRepo; directory: TeamDirectory; clock: Clock; stats: StatsService; insights?: InsightsService; away?: Pick<AwayService, 'status' | 'awayAmong'> }) {}

  /** Remembers that the person uses the Home tab, so changes to their handoffs republish it. */
  async opened(userId: string): Promise<void> {
    await this.deps.homes.recordOpened(userId, this.deps.clock.now());
  }

  async build(userId: string): Promise<HomeData> {
    const now = this.deps.clock.now();
    const active = await this.deps.stalls.listActiveFor(userId);
    // Owners of what this person waits on: their absence shows on those items.
    const waitedOn = active.filter((h) => h.state === 'accepted' && h.ownerId !== userId).map((h) => h.ownerId);
    const { mine, waiting } = splitPersonalItems(active, userId, now, await this.deps.away?.awayAmong([...new Set(waitedOn)], now));
    const approvals = await this.approvalsFor(userId, now);
    const teamKeys = await this.deps.directory.teamsOf(userId);
    const items = (await this.deps.homes.openQueue(teamKeys, QUEUE_FETCH)).map((h) => toHomeItem(h, now));
    const total = items.length < QUEUE_FETCH ? items.length : await this.deps.homes.countOpen(teamKeys);
    const leadTeams = this.deps.stats.leadTeams(userId);
    const health: TeamFlowReport[] = [];
    for (const key of leadTeams) health.push(await this.teamHealth(key, now));
    const quality = leadTeams.length > 0 ? await this.quality(leadTeams, now) : null;
    const away = (await this.deps.away?.status(userId)) ?? null;
    const ownersAway = leadTeams.length > 0 ? await this.ownersAway(leadTeams, now) : [];
    return { userId, now, mine, waiting, approvals, queue: { teamKeys, items, total }, health, away, ownersAway, ...(quality ? { quality } : {}) };
  }

  /**
   * What waits for this person's approval. Approvers are not stored but follow the config, like the
   * Approve button, so all handoffs waiting for approval (a small set) are read and filtered here.
   */
  private async approvalsFor(userId: string, now: Date): Promise<HomeItem[]> {
    const awaiting = await this.deps.stalls.listAwaitingApproval();
    return awaiting
      .filter((h) => approversOfHandoff(this.deps.config, h).includes(userId))
      .map((h) => toHomeItem(h, now))
      .sort(stalledFirst);
  }

  /** Accepted handoffs of these teams whose owner is away: nobody moves them until a lead reassigns them. */
  private async ownersAway(teamKeys: readonly string[], now: Date): Promise<HomeItem[]> {
    if (!this.deps.away) return [];
    const away = await this.deps.away.awayAmong(await this.deps.homes.acceptedOwners(teamKeys), now);
    if (away.size === 0) return [];
    return (await this.deps.homes.acceptedOwnedBy(teamKeys, [...away.keys()], QUEUE_FETCH)).map((h) => toHomeItem(h, now, away));
  }

  /** The quality headline of a lead's teams, cached like team health. */
  private async quality(teamKeys: readonly string[], now: Date): Promise<QualityReport | null> {
    if (!this.deps.insights) return null;
    const key = teamKeys.join(',');
    const cached = this.qualityCache.get(key);
    if (cached && now.getTime() - cached.at < HEALTH_TTL_MS && now.getTime() >= cached.at) return cached.report;
    const report = await this.deps.insights.teamsReport(teamKeys, HEALTH_DAYS, now);
    this.qualityCache.set(key, { at: now.getTime(), report });
    return report;
  }

  private async teamHealth(teamKey: string, now: Date): Promise<TeamFlowReport> {
    const cached = this.health.get(teamKey);
    if (cached && now.getTime() - cached.at < HEALTH_TTL_MS && now.getTime() >= cached.at) return cached.report;
    // The Home shows team totals only.
    const report = await this.deps.stats.teamReport(teamKey, HEALTH_DAYS, { perType: false });
    this.health.set(teamKey, { at: now.getTime(), report });
    return report;
  }
}
