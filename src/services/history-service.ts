import type { HandoffTypeConfig, TeamConfig, WorkflowConfig } from '../config/workflow-schema.js';
import type { HandoffRepo } from '../db/handoff-repo.js';
import type { EventRow, HandoffRow } from '../db/schema.js';
import type { StallRepo } from '../db/stall-repo.js';
import { DomainError } from '../domain/errors.js';
import type { TeamDirectory } from '../domain/ports.js';
import { ownEntry } from '../domain/own-entry.js';

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

/** Everyone named in a handoff's events: who acted, and whom ownership moved from or to. */
export function involvedPeople(events: readonly EventRow[]): Set<string> {
  const people = new Set<string>();
  for (const e of events) {
    people.add(e.actorId);
    for (const key of ['previousOwner', 'newOwner']) if (typeof e.data[key] === 'string') people.add(e.data[key]);
    // Approvers asked, and whoever an escalation went to: their DMs carry a History button.
    for (const key of ['approvers', 'to']) {
      const list = e.data[key];
      if (Array.isArray(list)) for (const u of list) if (typeof u === 'string') people.add(u);
    }
  }
  return people;
}

/** A handoff's full timeline, for the History modal. */
export class HistoryService {
  constructor(private readonly deps: { config: WorkflowConfig; repo: HandoffRepo; stalls: StallRepo; directory: TeamDirectory }) {}

  /**
   * The timeline, for whoever may read it: the requester, the owner, members and leads of the sending
   * and receiving teams, and anyone its events name (e.g. a former owner since moved to another team).
   * Everyone else is refused without learning anything about it.
   */
  async historyOf(handoffId: number, viewerId: string): Promise<HandoffHistory> {
    const handoff = await this.deps.repo.findById(handoffId);
    if (!handoff) throw new DomainError('not_found', `Handoff #${handoffId} does not exist.`);
    const events = await this.deps.repo.listEvents(handoffId);
    if (!(await this.mayRead(handoff, events, viewerId)))
      throw new DomainError('forbidden', `Only the people involved in handoff #${handoffId} (its requester and owner, and the teams that send and receive it) can see its history.`);
    const type = ownEntry(this.deps.config.handoffTypes, handoff.typeKey);
    const toTeam = ownEntry(this.deps.config.teams, handoff.toTeam);
    if (!type || !toTeam) throw new DomainError('not_found', `Handoff #${handoffId} is of a type or team no longer in the config.`);
    return { handoff, type, toTeam, events, viewerTimezone: await this.deps.stalls.cachedTimezone(viewerId, new Date(0)) };
  }

  private async mayRead(h: HandoffRow, events: readonly EventRow[], userId: string): Promise<boolean> {
    if (userId === h.requesterId || userId === h.ownerId || involvedPeople(events).has(userId)) return true;
    const { directory } = this.deps;
    const teams = [h.fromTeam, h.toTeam].filter((t): t is string => t !== null);
    // Leads from the config first: a member lookup may ask Slack, and the modal's trigger expires in 3 s.
    if (teams.some((t) => directory.isLead(t, userId))) return true;
    for (const team of teams) if (await directory.isMember(team, userId)) return true;
    return false;
  }
}
