import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { StallRepo } from '../db/stall-repo.js';
import { type AwayLookup, buildDigests, type PersonDigest } from '../domain/digest.js';
import type { Clock, TeamDirectory } from '../domain/ports.js';
import type { HandoffRow } from '../db/schema.js';
import type { AwayService } from './away-service.js';
import { approversOfHandoff } from '../domain/approval.js';

export interface MyQueue {
  /** The same sections as the daily digest; null when nothing of theirs is stalled. */
  readonly digest: PersonDigest | null;
  /** Everything active they own or started, stalled or not. */
  readonly owned: number;
  readonly waiting: number;
}

/** Read-only views of what is stalled, for `/handoff mine` and `/handoff stalled`. */
export class QueueService {
  constructor(private readonly deps: { config: WorkflowConfig; stalls: StallRepo; directory: TeamDirectory; clock: Clock; away?: Pick<AwayService, 'awayAmong'> }) {}

  /** Accepted handoffs of these teams whose owner is away, oldest first. */
  async ownersAway(teamKeys: readonly string[]): Promise<Array<{ handoff: HandoffRow; until: Date | null }>> {
    if (!this.deps.away) return [];
    const accepted = (await this.deps.stalls.listActiveForTeams(teamKeys)).filter((h) => h.state === 'accepted');
    const away = await this.deps.away.awayAmong([...new Set(accepted.map((h) => h.ownerId))], this.deps.clock.now());
    return accepted.flatMap((h) => {
      const absence = away.get(h.ownerId);
      return absence ? [{ handoff: h, until: absence.until }] : [];
    });
  }

  /** The absences among the owners of these handoffs' accepted ones. */
  private ownersAwayAmong(items: readonly HandoffRow[], now: Date): Promise<AwayLookup | undefined> | undefined {
    return this.deps.away?.awayAmong([...new Set(items.filter((h) => h.state === 'accepted').map((h) => h.ownerId))], now);
  }

  async mine(userId: string): Promise<MyQueue> {
    const items = await this.deps.stalls.listActiveFor(userId);
    const now = this.deps.clock.now();
    // What waits for their approval, as in the digest: an approver never requested it, so it is not among `items`.
    const isApprover = (h: HandoffRow) => approversOfHandoff(this.deps.config, h).includes(userId);
    const approvals = (await this.deps.stalls.listAwaitingApproval()).filter(isApprover);
    const digest =
      buildDigests([...items, ...approvals], () => [], now, await this.ownersAwayAmong(items, now), (h) => (isApprover(h) ? [userId] : [])).get(userId) ?? null;
    return {
      digest,
      owned: items.filter((h) => h.ownerId === userId && h.state !== 'open' && h.state !== 'awaiting_approval').length,
      waiting: items.filter((h) => h.requesterId === userId && (h.state === 'open' || h.state === 'awaiting_approval' || (h.state === 'accepted' && h.ownerId !== userId))).length,
    };
  }

  /** The stalled work of every team the person is a member or lead of. */
  async stalled(userId: string): Promise<{ teams: string[]; digest: PersonDigest | null }> {
    const teams = await this.deps.directory.teamsOf(userId);
    const items = await this.deps.stalls.listActiveForTeams(teams);
    const now = this.deps.clock.now();
    const all = buildDigests(items, (team) => (teams.includes(team) ? [userId] : []), now, await this.ownersAwayAmong(items, now)).get(userId);
    const digest = all && all.teams.length > 0 ? { userId, owned: [], waiting: [], teams: all.teams } : null;
    return { teams, digest };
  }
}
