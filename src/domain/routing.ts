import type { AssignMode, HandoffTypeConfig, TeamConfig } from '../config/workflow-schema.js';
import type { EventType, HandoffState } from './lifecycle.js';

/** The part of a history event the offer rules read. */
interface HistoryEntry {
  readonly type: EventType;
  readonly fromState: HandoffState | null;
  readonly toState: HandoffState;
  readonly data: Record<string, unknown>;
}

/** How one handoff type's work finds a person: the type's own keys win over its receiving team's. */
export interface Routing {
  readonly mode: AssignMode;
  /** Business-time duration an offer waits, e.g. "30m". */
  readonly offer: string;
}

export function routingOf(team: TeamConfig, type: Pick<HandoffTypeConfig, 'assign' | 'offer'>): Routing {
  return { mode: type.assign ?? team.assign ?? 'queue', offer: type.offer ?? team.offer ?? '30m' };
}

/** What the choice of the next person looks at; everything but the mode comes from storage. */
export interface OfferCandidates {
  /** The team's members in config (or user group) order. */
  readonly members: readonly string[];
  /** Members already offered this handoff in its current queue cycle (they passed or timed out). */
  readonly tried: ReadonlySet<string>;
  /** Members who are away: they get no offers. */
  readonly away: ReadonlySet<string>;
  /** round-robin: who the team's previous offer went to. */
  readonly lastTurn?: string | null;
  /** least-loaded: open and accepted handoffs each member owns (absent: none). */
  readonly loads?: ReadonlyMap<string, number>;
  /** least-loaded: when each member last accepted a handoff (absent: never). */
  readonly lastAccepted?: ReadonlyMap<string, Date>;
}

/**
 * The member to offer a handoff to next, or null when nobody is left (everyone was tried or is
 * away): then it waits in the team queue. Pure, so the rule is tested without storage.
 */
export function pickNextOffer(mode: AssignMode, c: OfferCandidates): string | null {
  if (mode === 'queue') return null;
  // Called per handoff in the nudge job's batches: the members are deduplicated once and checked in place.
  const members = [...new Set(c.members)];
  if (mode === 'round-robin') {
    const start = c.lastTurn ? members.indexOf(c.lastTurn) + 1 : 0;
    // Walk the whole team once from the member after the last turn, wrapping around.
    for (let i = 0; i < members.length; i++) {
      const m = members[(start + i) % members.length];
      if (!c.tried.has(m) && !c.away.has(m)) return m;
    }
    return null;
  }
  const eligible = members.filter((m) => !c.tried.has(m) && !c.away.has(m));
  if (eligible.length === 0) return null;
  const load = (m: string) => c.loads?.get(m) ?? 0;
  const accepted = (m: string) => c.lastAccepted?.get(m)?.getTime() ?? Number.NEGATIVE_INFINITY;
  // Fewest owned first; on a tie, whoever accepted least recently (never counts as longest ago); then team order.
  return eligible.reduce((best, m) => (load(m) < load(best) || (load(m) === load(best) && accepted(m) < accepted(best)) ? m : best));
}

/** Events that put a handoff (back) in its team queue: a new cycle of offers starts with each. */
function startsCycle(e: HistoryEntry): boolean {
  return e.toState === 'open' && e.fromState !== 'open';
}

/** Who has been offered the handoff since it last entered the team queue, from its history. */
export function triedInCycle(events: readonly HistoryEntry[]): Set<string> {
  const tried = new Set<string>();
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'offered' && typeof e.data.to === 'string') tried.add(e.data.to);
    if (startsCycle(e)) break;
  }
  return tried;
}
