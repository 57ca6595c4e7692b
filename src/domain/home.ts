import { type AwayLookup, type DigestItem, type DigestSource, toDigestItem } from './digest.js';
import type { TeamFlowReport } from './flow-metrics.js';
import type { QualityReport } from './quality-metrics.js';

/** A Home tab line: a digest item plus the team it waits on. */
export interface HomeItem extends DigestItem {
  readonly toTeam: string;
}

/** Everything one person's Home tab shows, as of `now`. */
export interface HomeData {
  readonly userId: string;
  readonly now: Date;
  /** Handoffs they own: accepted by them, or returned to them to fix. Stalled first. */
  readonly mine: readonly HomeItem[];
  /** Handoffs they started that someone else (a person or a team) must move. Stalled first. */
  readonly waiting: readonly HomeItem[];
  /** Handoffs waiting for their approval (approvers as the config stands now). Stalled first. */
  readonly approvals?: readonly HomeItem[];
  /** OPEN handoffs of the teams they belong to or lead, oldest first; `total` counts them all. */
  readonly queue: { readonly teamKeys: readonly string[]; readonly items: readonly HomeItem[]; readonly total: number };
  /** Flow metrics of the teams they lead; empty for everyone else. */
  readonly health: readonly TeamFlowReport[];
  /** Why handoffs of the teams they lead come back (leads only). */
  readonly quality?: QualityReport;
  /** Set while the person is away: said so with `/handoff away`, or (source `slack-status`, `until` null: until it changes) their Slack status says so. */
  readonly away?: { readonly until: Date | null; readonly backupId: string | null; readonly source?: 'manual' | 'slack-status' } | null;
  /** Leads only: accepted handoffs of the teams they lead whose owner is away, oldest first. */
  readonly ownersAway?: readonly HomeItem[];
}

/** After a change, Home refreshes wait this long so a burst of changes costs one publish. */
export const HOME_REFRESH_DELAY_MS = 2000;

export function toHomeItem(h: DigestSource, now: Date, away?: AwayLookup): HomeItem {
  return { ...toDigestItem(h, now, away), toTeam: h.toTeam };
}

/** Overdue, then due soon, then the rest; snoozed items after those that need someone now; oldest first within. */
function urgency(item: HomeItem): number {
  if (item.snoozedUntil) return 3;
  return item.sla === 'overdue' ? 0 : item.sla === 'due_soon' ? 1 : 2;
}

export function stalledFirst(a: HomeItem, b: HomeItem): number {
  return urgency(a) - urgency(b) || a.createdAt.localeCompare(b.createdAt) || a.id - b.id;
}

/**
 * Sorts a person's active handoffs (owned or started by them) into "mine" and "waiting on others".
 * An OPEN handoff belongs to its requester on paper, but it waits on the team, so it is "waiting".
 */
export function splitPersonalItems(active: readonly DigestSource[], userId: string, now: Date, away?: AwayLookup): { mine: HomeItem[]; waiting: HomeItem[] } {
  const mine: HomeItem[] = [];
  const waiting: HomeItem[] = [];
  for (const h of active) {
    if (h.ownerId === userId && (h.state === 'accepted' || h.state === 'returned')) mine.push(toHomeItem(h, now));
    else if (h.requesterId === userId && (h.state === 'awaiting_approval' || h.state === 'open' || h.state === 'accepted')) waiting.push(toHomeItem(h, now, away));
  }
  return { mine: mine.sort(stalledFirst), waiting: waiting.sort(stalledFirst) };
}
