import { percentile } from './flow-metrics.js';

/**
 * Why handoffs come back: quality figures computed from the event history, never from counters.
 * Pure: the repo reads the events, the caller supplies the business clock.
 *
 * Definitions, for a period [from, to):
 * - decided: handoffs whose first decision by the receiving team (the first accept, or the first
 *   return, whichever came first) falls in the period. Each handoff is counted in one period only.
 * - first-time right: of those, the ones never returned before the end of the period.
 * - returns per handoff: the returns of the decided handoffs (up to the end of the period) divided
 *   by their number; bounced more than once: the decided handoffs returned twice or more.
 * - returns: return events in the period (of any handoff); fields flagged: for each field, how many
 *   of those returns flagged it, ranked; "something else" likewise, with its reasons by their words.
 * - time lost to returns: for each resubmission in the period, the business time since the return
 *   before it, on the requester's team clock (the receiving team's when the type has no `from`).
 */

export type QualityKind = 'accepted' | 'returned' | 'resubmitted';

/** One decision or resubmission of a handoff, in the order they happened. */
export interface QualityEvent {
  readonly handoffId: number;
  readonly typeKey: string;
  readonly fromTeam: string | null;
  readonly toTeam: string;
  /** The version of the type's definition the handoff was created under; null for handoffs from before versions were recorded. */
  readonly typeVersion: string | null;
  readonly kind: QualityKind;
  /** ms since epoch */
  readonly at: number;
  /** When the handoff was created (ms): versions are ordered by it. */
  readonly createdAt: number;
  /** Returns only: the fields flagged as missing or wrong, and whether "something else" was. */
  readonly flaggedFields: readonly string[];
  readonly somethingElse: boolean;
  readonly reason: string | null;
}

export interface Period {
  readonly from: Date;
  readonly to: Date;
}

export interface FlaggedField {
  readonly key: string;
  /** Returns in the period that flagged this field. */
  readonly count: number;
  /** The reason most often given when it was flagged (first wording seen). */
  readonly topReason: string | null;
}

export interface ReasonCount {
  readonly reason: string;
  readonly count: number;
}

export interface QualityFigures {
  readonly decided: number;
  readonly firstTimeRight: number;
  /** Returns of the decided handoffs, up to the end of the period. */
  readonly returnsOfDecided: number;
  readonly bouncedMoreThanOnce: number;
  /** Return events in the period. */
  readonly returns: number;
  readonly flaggedFields: readonly FlaggedField[];
  readonly somethingElse: number;
  readonly somethingElseReasons: readonly ReasonCount[];
  /** Business minutes from a return to the resubmission that followed it, per resubmission in the period. */
  readonly timeLost: { readonly count: number; readonly totalMinutes: number; readonly median: number | null; readonly p90: number | null };
}

export interface QualityGroup {
  /** A type key, or `from→to` for a team pair (`*` when a type has no sending team). */
  readonly key: string;
  readonly fromTeam: string | null;
  readonly toTeam: string;
  readonly current: QualityFigures;
  readonly previous: QualityFigures;
}

export interface QualityReport {
  readonly days: number;
  readonly current: Period;
  readonly previous: Period;
  readonly totals: { readonly current: QualityFigures; readonly previous: QualityFigures };
  readonly byType: readonly QualityGroup[];
  readonly byPair: readonly QualityGroup[];
}

export interface QualityOptions {
  /** Business minutes between a return and its resubmission, on the clock that fits the handoff. */
  readonly minutesLost: (event: QualityEvent, returnedAt: number) => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Reasons are free text: counted by their words, shown in the first wording seen. */
export function normalizeReason(reason: string): string {
  return reason
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function countReasons(reasons: readonly string[]): ReasonCount[] {
  const counts = new Map<string, { reason: string; count: number }>();
  for (const r of reasons) {
    const key = normalizeReason(r);
    if (!key) continue;
    const entry = counts.get(key) ?? { reason: r.trim(), count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

function byHandoff(events: readonly QualityEvent[]): Map<number, QualityEvent[]> {
  const map = new Map<number, QualityEvent[]>();
  for (const e of events) {
    const list = map.get(e.handoffId);
    if (list) list.push(e);
    else map.set(e.handoffId, [e]);
  }
  return map;
}

/** The figures of one period over the given events (already narrowed to a type, a pair or a team). */
export function computeQualityFigures(events: readonly QualityEvent[], period: Period, opts: QualityOptions): QualityFigures {
  return figuresOf(byHandoff(events), period, opts);
}

/** computeQualityFigures over events already grouped by handoff, so two periods share one grouping. */
function figuresOf(handoffs: ReadonlyMap<number, readonly QualityEvent[]>, period: Period, opts: QualityOptions): QualityFigures {
  const fromMs = period.from.getTime();
  const toMs = period.to.getTime();
  let decided = 0;
  let firstTimeRight = 0;
  let returnsOfDecided = 0;
  let bouncedMoreThanOnce = 0;
  let returns = 0;
  let somethingElse = 0;
  const fieldCounts = new Map<string, number>();
  const fieldReasons = new Map<string, string[]>();
  const otherReasons: string[] = [];
  const lost: number[] = [];
  // One pass over each handoff's events: everything below is linear in the number of events.
  for (const list of handoffs.values()) {
    const first = list.find((e) => e.kind === 'accepted' || e.kind === 'returned');
    const isDecided = first !== undefined && first.at >= fromMs && first.at < toMs;
    let returnsBeforeEnd = 0;
    let lastReturn: QualityEvent | null = null;
    for (const e of list) {
      if (e.kind === 'returned') {
        if (e.at < toMs) returnsBeforeEnd++;
        lastReturn = e;
        if (e.at < fromMs || e.at >= toMs) continue;
        returns++;
        for (const key of e.flaggedFields.length > 1 ? new Set(e.flaggedFields) : e.flaggedFields) {
          fieldCounts.set(key, (fieldCounts.get(key) ?? 0) + 1);
          if (e.reason) {
            const reasons = fieldReasons.get(key);
            if (reasons) reasons.push(e.reason);
            else fieldReasons.set(key, [e.reason]);
          }
        }
        if (e.somethingElse) {
          somethingElse++;
          if (e.reason) otherReasons.push(e.reason);
        }
      } else if (e.kind === 'resubmitted' && lastReturn && e.at >= fromMs && e.at < toMs) {
        lost.push(opts.minutesLost(e, lastReturn.at));
        lastReturn = null;
      }
    }
    if (isDecided) {
      decided++;
      if (returnsBeforeEnd === 0) firstTimeRight++;
      if (returnsBeforeEnd >= 2) bouncedMoreThanOnce++;
      returnsOfDecided += returnsBeforeEnd;
    }
  }
  const flaggedFields = [...fieldCounts.entries()]
    .map(([key, count]) => ({ key, count, topReason: countReasons(fieldReasons.get(key) ?? [])[0]?.reason ?? null }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  const sorted = [...lost].sort((a, b) => a - b);
  return {
    decided,
    firstTimeRight,
    returnsOfDecided,
    bouncedMoreThanOnce,
    returns,
    flaggedFields,
    somethingElse,
    somethingElseReasons: countReasons(otherReasons),
    timeLost: { count: sorted.length, totalMinutes: sorted.reduce((a, b) => a + b, 0), median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) },
  };
}

/** First-time right as a share (0..1), or null when nothing was decided. */
export function firstTimeRightShare(f: QualityFigures): number | null {
  return f.decided === 0 ? null : f.firstTimeRight / f.decided;
}

/** Returns per decided handoff, or null when nothing was decided. */
export function returnsPerHandoff(f: QualityFigures): number | null {
  return f.decided === 0 ? null : f.returnsOfDecided / f.decided;
}

/** The `days` up to `now`, and the `days` before them. */
export function comparedPeriods(now: Date, days: number): { current: Period; previous: Period } {
  const start = new Date(now.getTime() - days * DAY_MS);
  return { current: { from: start, to: now }, previous: { from: new Date(start.getTime() - days * DAY_MS), to: start } };
}

function groupHandoffs(handoffs: ReadonlyMap<number, QualityEvent[]>, keyOf: (e: QualityEvent) => string): Map<string, Map<number, QualityEvent[]>> {
  const map = new Map<string, Map<number, QualityEvent[]>>();
  for (const [id, list] of handoffs) {
    const key = keyOf(list[0]);
    const group = map.get(key);
    if (group) group.set(id, list);
    else map.set(key, new Map([[id, list]]));
  }
  return map;
}

export const pairKey = (fromTeam: string | null, toTeam: string): string => `${fromTeam ?? '*'}→${toTeam}`;

/** Quality of the last `days` against the `days` before, in total, per handoff type and per sending → receiving team pair. */
export function buildQualityReport(events: readonly QualityEvent[], now: Date, days: number, opts: QualityOptions): QualityReport {
  const { current, previous } = comparedPeriods(now, days);
  const both = (handoffs: ReadonlyMap<number, readonly QualityEvent[]>) => ({ current: figuresOf(handoffs, current, opts), previous: figuresOf(handoffs, previous, opts) });
  const toGroups = (map: Map<string, Map<number, QualityEvent[]>>): QualityGroup[] =>
    [...map.entries()]
      .map(([key, handoffs]) => {
        const first = handoffs.values().next().value as QualityEvent[];
        return { key, fromTeam: first[0].fromTeam, toTeam: first[0].toTeam, ...both(handoffs) };
      })
      .filter((g) => g.current.decided + g.current.returns + g.previous.decided + g.previous.returns > 0)
      .sort((a, b) => b.current.decided - a.current.decided || a.key.localeCompare(b.key));
  // Grouped by handoff once; a handoff's events share its type and team pair, so the groups are
  // made of whole handoffs, in the order the events gave them.
  const all = byHandoff(events);
  return {
    days,
    current,
    previous,
    totals: both(all),
    byType: toGroups(groupHandoffs(all, (e) => e.typeKey)),
    byPair: toGroups(groupHandoffs(all, (e) => pairKey(e.fromTeam, e.toTeam))),
  };
}

/** First-time right of the handoffs created under one version of a type's definition. */
export interface VersionFigures {
  readonly version: string;
  /** When the first handoff of this version was created (ms). */
  readonly since: number;
  readonly decided: number;
  readonly firstTimeRight: number;
}

/** A change of a type's definition, with first-time right of the handoffs created under the versions before and after. */
export interface VersionChange {
  readonly before: VersionFigures;
  readonly after: VersionFigures;
}

/**
 * The changes of one type's definition seen in `events` (which cover one type), oldest first. A
 * version is the hash recorded on each handoff when it was created; versions are ordered by their
 * first handoff. Decided handoffs only count for first-time right (no decision yet: not counted);
 * handoffs from before versions were recorded are left out.
 */
export function compareTypeVersions(events: readonly QualityEvent[]): VersionChange[] {
  const versions = new Map<string, { version: string; since: number; decided: number; firstTimeRight: number }>();
  for (const list of byHandoff(events).values()) {
    const { typeVersion: version, createdAt } = list[0];
    if (!version) continue;
    const v = versions.get(version) ?? { version, since: createdAt, decided: 0, firstTimeRight: 0 };
    v.since = Math.min(v.since, createdAt);
    if (list.some((e) => e.kind === 'accepted' || e.kind === 'returned')) {
      v.decided++;
      if (!list.some((e) => e.kind === 'returned')) v.firstTimeRight++;
    }
    versions.set(version, v);
  }
  const ordered = [...versions.values()].sort((a, b) => a.since - b.since || a.version.localeCompare(b.version));
  return ordered.slice(1).map((after, i) => ({ before: ordered[i], after }));
}
