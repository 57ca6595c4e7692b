import type { HandoffTypeConfig, TeamConfig, WorkflowConfig } from '../config/workflow-schema';
import type { HandoffRepo } from '../db/handoff-repo';
import type { EventRow, HandoffRow } from '../db/schema';
import type { StallRepo } from '../db/stall-repo';
import { DomainError } from '../domain/errors';
import { ownEntry } from '../domain/own-entry';

export interface HandoffHistory {
  readonly handoff: HandoffRow;
  readonly type: HandoffTypeConfig;
  readonly toTeam: TeamConfig;
  readonly events: readonly EventRow[];
  /**
   * The viewer's timezone as last read from Slack (users.info, cached by the digest), for the
   * fallback text of date tokens; null when unknown. Slack itself renders the tokens in each
   * viewer's own timezone, so no Slack call is made before the modal opens.
   */
  readonly viewerTimezone: string | null;
}

/** A handoff's full timeline, for the History modal. */
export class HistoryService {
  constructor(private readonly deps: { config: WorkflowConfig; repo: HandoffRepo; stalls: StallRepo }) {}

  historyOf(handoffId: number, viewerId: string): HandoffHistory {
    const handoff = this.deps.repo.findById(handoffId);
    const type = handoff && ownEntry(this.deps.config.handoffTypes, handoff.typeKey);
    const toTeam = handoff && ownEntry(this.deps.config.teams, handoff.toTeam);
    if (!handoff) throw new DomainError('not_found', `Handoff #${handoffId} does not exist.`);
    if (!type || !toTeam) throw new DomainError('not_found', `Handoff #${handoffId} is of a type or team no longer in the config.`);
    return { handoff, type, toTeam, events: this.deps.repo.listEvents(handoffId), viewerTimezone: this.deps.stalls.cachedTimezone(viewerId, new Date(0)) };
  }
}
