import type { HandoffState } from './lifecycle.js';
import { currentSla, isStalled, type NudgeSubject } from './stall.js';
import type { SlaState } from './sla.js';

/** What the digest needs of a handoff. */
export interface DigestSource extends NudgeSubject {
  readonly id: number;
  readonly title: string;
  readonly state: HandoffState;
  readonly requesterId: string;
  readonly ownerId: string;
  readonly toTeam: string;
  readonly createdAt: Date;
  readonly permalink: string | null;
}

/** One line of a digest; plain JSON so it can wait in the outbox. */
export interface DigestItem {
  readonly id: number;
  readonly title: string;
  readonly state: HandoffState;
  readonly sla: SlaState;
  readonly dueAt: string | null;
  readonly createdAt: string;
  readonly ownerId: string;
  readonly requesterId: string;
  readonly permalink: string | null;
  readonly snoozedUntil: string | null;
  /** Set when the handoff is accepted and its owner is away; `until` null: until their Slack status changes. */
  readonly ownerAway?: { readonly until: string | null };
}

/** Who is away, by user id, and until when (null: until their Slack status changes). */
export type AwayLookup = ReadonlyMap<string, { readonly until: Date | null }>;

export interface TeamDigest {
  readonly teamKey: string;
  /** Waiting to be accepted, at or past the reminder point. */
  readonly unaccepted: DigestItem[];
  /** Accepted and past the completion SLA. */
  readonly overdue: DigestItem[];
  readonly snoozed: DigestItem[];
}

export interface PersonDigest {
  readonly userId: string;
  /** What this person must move: accepted and stalled, or returned to them and not resubmitted. */
  readonly owned: DigestItem[];
  /** What this person started that is overdue with someone else. */
  readonly waiting: DigestItem[];
  /** Waiting for this person's approval past 75% of `sla.approve`. Absent in digests queued before approvals were listed. */
  readonly approvals?: DigestItem[];
  readonly teams: TeamDigest[];
}

export function toDigestItem(h: DigestSource, now: Date, away?: AwayLookup): DigestItem {
  const sla = currentSla(h, now);
  const absence = h.state === 'accepted' ? away?.get(h.ownerId) : undefined;
  return {
    ...(absence ? { ownerAway: { until: absence.until?.toISOString() ?? null } } : {}),
    id: h.id,
    title: h.title,
    state: h.state,
    sla: sla.state,
    dueAt: sla.dueAt?.toISOString() ?? null,
    createdAt: h.createdAt.toISOString(),
    ownerId: h.ownerId,
    requesterId: h.requesterId,
    permalink: h.permalink,
    snoozedUntil: h.snoozedUntil && h.snoozedUntil.getTime() > now.getTime() ? h.snoozedUntil.toISOString() : null,
  };
}

const oldestFirst = (a: DigestItem, b: DigestItem) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id;

export function digestItemCount(d: PersonDigest): number {
  return d.owned.length + d.waiting.length + (d.approvals?.length ?? 0) + d.teams.reduce((n, t) => n + t.unaccepted.length + t.overdue.length + t.snoozed.length, 0);
}

/** Whether a digest has anything that needs someone: snoozed items alone do not. */
export function hasStalledWork(d: PersonDigest): boolean {
  return d.owned.length > 0 || d.waiting.length > 0 || (d.approvals?.length ?? 0) > 0 || d.teams.some((t) => t.unaccepted.length > 0 || t.overdue.length > 0);
}

/**
 * Sorts handoffs into one digest per person: what they own that is stalled, what they wait on that
 * is overdue, what waits for their approval past its reminder point (only with `approversOf`), and,
 * for leads, their teams' unaccepted, overdue and snoozed items. Pure, so the daily DM,
 * `/handoff mine` and `/handoff stalled` show the same thing.
 */
export function buildDigests<T extends DigestSource>(
  handoffs: readonly T[],
  leadsOf: (teamKey: string) => readonly string[],
  now: Date,
  away?: AwayLookup,
  approversOf?: (h: T) => readonly string[],
): Map<string, PersonDigest> {
  const people = new Map<string, { owned: DigestItem[]; waiting: DigestItem[]; approvals: DigestItem[]; teams: Map<string, TeamDigest> }>();
  const person = (userId: string) => {
    let p = people.get(userId);
    if (!p) people.set(userId, (p = { owned: [], waiting: [], approvals: [], teams: new Map() }));
    return p;
  };
  const teamOf = (userId: string, teamKey: string) => {
    const p = person(userId);
    let t = p.teams.get(teamKey);
    if (!t) p.teams.set(teamKey, (t = { teamKey, unaccepted: [], overdue: [], snoozed: [] }));
    return t;
  };

  for (const h of handoffs) {
    const item = toDigestItem(h, now, away);
    const snoozed = item.snoozedUntil !== null;
    const stalled = isStalled(h, now);
    const overdue = item.sla === 'overdue';
    if (h.state === 'accepted') {
      if (stalled && !snoozed) person(h.ownerId).owned.push(item);
      if (overdue && h.requesterId !== h.ownerId) person(h.requesterId).waiting.push(item);
      for (const lead of leadsOf(h.toTeam)) {
        if (snoozed) teamOf(lead, h.toTeam).snoozed.push(item);
        else if (overdue) teamOf(lead, h.toTeam).overdue.push(item);
      }
    } else if (h.state === 'returned') {
      if (stalled) person(h.requesterId).owned.push(item);
    } else if (h.state === 'awaiting_approval') {
      // The same approvers as the buttons; a set, so someone named twice in the config sees it once.
      if (stalled && approversOf) for (const approver of new Set(approversOf(h))) person(approver).approvals.push(item);
    } else if (h.state === 'open') {
      if (overdue) person(h.requesterId).waiting.push(item);
      if (stalled) for (const lead of leadsOf(h.toTeam)) teamOf(lead, h.toTeam).unaccepted.push(item);
    }
  }

  const result = new Map<string, PersonDigest>();
  for (const [userId, p] of people) {
    const teams = [...p.teams.values()]
      .map((t) => ({ ...t, unaccepted: t.unaccepted.sort(oldestFirst), overdue: t.overdue.sort(oldestFirst), snoozed: t.snoozed.sort(oldestFirst) }))
      .sort((a, b) => a.teamKey.localeCompare(b.teamKey));
    const digest: PersonDigest = { userId, owned: p.owned.sort(oldestFirst), waiting: p.waiting.sort(oldestFirst), ...(p.approvals.length ? { approvals: p.approvals.sort(oldestFirst) } : {}), teams };
    if (digestItemCount(digest) > 0) result.set(userId, digest);
  }
  return result;
}
