import { createHash } from 'node:crypto';
import { percentile } from './flow-metrics.js';

/**
 * Why handoffs come back: quality figures from the decisions recorded on handoffs. Pure: the repo
 * stores and reads, the caller supplies the business clock.
 *
 * Definitions, for a period [from, to):
 * - decided: handoffs whose first decision by the receiving team (the first accept, or the first
 *   return, whichever came first) falls in the period. Each handoff is counted in one period only.
 * - first-time right: of those, the ones never returned before the end of the period.
 * - returns per handoff: the returns of the decided handoffs (up to the end of the period) divided
 *   by their number; bounced more than once: the decided handoffs returned twice or more.
 * - returns: return events in the period (of any handoff); fields flagged: for each field, how many
 *   of those returns flagged it, ranked; "something else" likewise, with its reasons by their words.
 * - time lost to returns: for each resubmission in the period that answers a return (no other
 *   resubmission between them), the business time since that return, on the requester's team clock
 *   (the receiving team's when the type has no `from`).
 *
 * How they are computed without reading every event of a period: each decision and resubmission
 * becomes a QualityFact when it is written, from the events of its handoff before it (whether it is
 * the first decision, which return it is, which return a resubmission answers), and no later event
 * changes it. Every figure above is then a sum over facts of conditions on at most two of their
 * times (when it happened, and when its handoff was first decided), so facts can be added up per
 * day: a day that no period boundary cuts lies wholly inside one period, and its sums count as if
 * they happened at its start. Only the days a boundary cuts need their facts one by one. Time lost
 * needs each value (for its median), so resubmissions stay one by one.
 */

export type QualityKind = 'accepted' | 'returned' | 'resubmitted';

/** Which events are quality events: accepts (an open handoff accepted, or assigned from the queue by a lead), returns, resubmissions. */
export function qualityKindOf(type: string, fromState: string | null): QualityKind | null {
  if (type === 'accepted') return 'accepted';
  if (type === 'rejected') return 'returned';
  if (type === 'resubmitted') return 'resubmitted';
  if (type === 'reassigned' && fromState === 'open') return 'accepted';
  return null;
}

/** One decision or resubmission of a handoff, from its event history, in the order they happened. */
export interface QualityEvent {
  readonly eventId: number;
  readonly handoffId: number;
  readonly typeKey: string;
  readonly fromTeam: string | null;
  readonly toTeam: string;
  /** The version of the type's definition the handoff was created under; null for handoffs from before versions were recorded. */
  readonly typeVersion: string | null;
  /** When the handoff was created (ms). */
  readonly createdAt: number;
  readonly kind: QualityKind;
  /** ms since epoch */
  readonly at: number;
  /** Returns only: the fields flagged as missing or wrong, and whether "something else" was. */
  readonly flaggedFields: readonly string[];
  readonly somethingElse: boolean;
  readonly reason: string | null;
}

/** What one quality event adds to the figures: fixed when it is written, since only the events before it decide it. */
export interface QualityFact
  extends Pick<QualityEvent, 'eventId' | 'handoffId' | 'typeKey' | 'fromTeam' | 'toTeam' | 'typeVersion' | 'createdAt' | 'at' | 'somethingElse' | 'reason'> {
  /** The handoff's first decision (accept or return): it counts in `decided` of the period it falls in. */
  readonly firstDecision: boolean;
  /** Returns: 1 for the handoff's first return, 2 for its second …; 0 for anything else. */
  readonly returnNumber: number;
  /** When the handoff was first decided, as of this event (null before): a return counts for its handoff's period. */
  readonly decidedAt: number | null;
  /** Resubmissions: when the return they answer was made; null when they answer none. */
  readonly returnedAt: number | null;
  /** Returns: the distinct fields flagged. */
  readonly flaggedFields: readonly string[];
}

/** The facts of one handoff's quality events, given all of them up to some point, in order. */
export function qualityFactsOf(history: readonly QualityEvent[]): QualityFact[] {
  let decidedAt: number | null = null;
  let returns = 0;
  let openReturn: number | null = null;
  return history.map((e) => {
    const returned = e.kind === 'returned';
    const firstDecision = e.kind !== 'resubmitted' && decidedAt === null;
    if (firstDecision) decidedAt = e.at;
    let returnedAt: number | null = null;
    if (returned) openReturn = e.at;
    else if (e.kind === 'resubmitted') {
      returnedAt = openReturn;
      openReturn = null;
    }
    return {
      eventId: e.eventId,
      handoffId: e.handoffId,
      typeKey: e.typeKey,
      fromTeam: e.fromTeam,
      toTeam: e.toTeam,
      typeVersion: e.typeVersion,
      createdAt: e.createdAt,
      at: e.at,
      firstDecision,
      returnNumber: returned ? ++returns : 0,
      decidedAt,
      returnedAt,
      flaggedFields: returned ? [...new Set(e.flaggedFields)] : [],
      somethingElse: returned && e.somethingElse,
      reason: returned ? e.reason : null,
    };
  });
}

/** What a group of facts is about: a type, its team pair and the version of its definition. */
export interface QualityDims {
  readonly typeKey: string;
  readonly fromTeam: string | null;
  readonly toTeam: string;
}

/**
 * Decisions and returns, summed: one fact's, or a day's (then `at` and `decidedAt` are the starts of
 * the days they happened on, which no period boundary cuts).
 */
export interface DecisionCell extends QualityDims {
  readonly typeVersion: string | null;
  readonly at: number;
  /** When the handoffs of these returns were first decided; for decisions, `at`. */
  readonly decidedAt: number;
  /** First decisions. */
  readonly decided: number;
  readonly returns: number;
  /** Returns that were their handoff's first, and second. */
  readonly firstReturns: number;
  readonly secondReturns: number;
  /** The earliest creation of the handoffs first decided here (null without any): when a version was first used. */
  readonly firstCreatedAt: number | null;
  /** The smallest handoff id here: a type's group shows the teams of its first handoff. */
  readonly firstHandoffId: number;
}

/** Returns that flagged one field (or "something else", `field` null) with one reason (by its words), summed like DecisionCell. */
export interface ReasonCell extends QualityDims {
  readonly at: number;
  readonly field: string | null;
  /** reasonKeyOf the reason; '' when there was none. */
  readonly reasonKey: string;
  /** The reason as first written: of the return with the smallest (handoff id, event id). */
  readonly reason: string | null;
  readonly count: number;
  readonly firstHandoffId: number;
  readonly firstEventId: number;
}

/**
 * How a day's reasons of one type and team pair are stored (quality_reasons.entries): the
 * ReasonCells of that day summed per field and reason key.
 */
export type DayReasonEntry = [field: string | null, reasonKey: string, count: number, reason: string | null, firstHandoffId: number, firstEventId: number];

/** A resubmission that answers a return, one by one (time lost needs each value). */
export interface ResubmissionCell extends QualityDims {
  readonly at: number;
  readonly returnedAt: number;
}

/** What the figures of some periods are computed from (QualityRepo.cells). */
export interface QualityCells {
  readonly decisions: readonly DecisionCell[];
  readonly reasons: readonly ReasonCell[];
  readonly resubmissions: readonly ResubmissionCell[];
}

/** Reasons are free text: counted by their words, shown in the first wording seen. */
export function normalizeReason(reason: string): string {
  return reason
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Reasons repeat: their keys are remembered (a backfill reads every return). */
const reasonKeys = new Map<string, string>();

/** The key reasons are counted by: a digest of their words (a reason may be long, a key must stay short), '' for none. */
export function reasonKeyOf(reason: string | null): string {
  if (!reason) return '';
  let key = reasonKeys.get(reason);
  if (key === undefined) {
    const words = normalizeReason(reason);
    key = words ? createHash('sha256').update(words).digest('base64url').slice(0, 22) : '';
    if (reasonKeys.size >= 10_000) reasonKeys.clear();
    reasonKeys.set(reason, key);
  }
  return key;
}

/** What one fact adds to each kind of cell. Plain literals, no spreads: a spread followed by more properties is slow in V8. */
export function cellsOfFact(f: QualityFact): { decision: DecisionCell | null; reasons: ReasonCell[]; resubmission: ResubmissionCell | null } {
  const decision: DecisionCell | null =
    f.firstDecision || f.returnNumber > 0
      ? {
          typeKey: f.typeKey,
          fromTeam: f.fromTeam,
          toTeam: f.toTeam,
          typeVersion: f.typeVersion,
          at: f.at,
          decidedAt: f.decidedAt ?? f.at,
          decided: f.firstDecision ? 1 : 0,
          returns: f.returnNumber > 0 ? 1 : 0,
          firstReturns: f.returnNumber === 1 ? 1 : 0,
          secondReturns: f.returnNumber === 2 ? 1 : 0,
          firstCreatedAt: f.firstDecision ? f.createdAt : null,
          firstHandoffId: f.handoffId,
        }
      : null;
  const reasons: ReasonCell[] = [];
  if (f.returnNumber > 0) {
    const reasonKey = reasonKeyOf(f.reason);
    const reason = reasonKey && f.reason ? f.reason.trim() : null;
    const cell = (field: string | null): ReasonCell => ({ typeKey: f.typeKey, fromTeam: f.fromTeam, toTeam: f.toTeam, at: f.at, field, reasonKey, reason, count: 1, firstHandoffId: f.handoffId, firstEventId: f.eventId });
    for (const field of f.flaggedFields) reasons.push(cell(field));
    if (f.somethingElse) reasons.push(cell(null));
  }
  const resubmission = f.returnedAt !== null ? { typeKey: f.typeKey, fromTeam: f.fromTeam, toTeam: f.toTeam, at: f.at, returnedAt: f.returnedAt } : null;
  return { decision, reasons, resubmission };
}

/** The cells of single facts, each at its exact times. */
export function cellsOfFacts(facts: readonly QualityFact[]): QualityCells {
  const decisions: DecisionCell[] = [];
  const reasons: ReasonCell[] = [];
  const resubmissions: ResubmissionCell[] = [];
  for (const f of facts) {
    const c = cellsOfFact(f);
    if (c.decision) decisions.push(c.decision);
    reasons.push(...c.reasons);
    if (c.resubmission) resubmissions.push(c.resubmission);
  }
  return { decisions, reasons, resubmissions };
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

/** Decisions of a period: what first-time right and the weekly report's quality figures are made of. */
export interface DecisionCounts {
  readonly decided: number;
  readonly firstTimeRight: number;
  /** Returns of the decided handoffs, up to the end of the period. */
  readonly returnsOfDecided: number;
  readonly bouncedMoreThanOnce: number;
  /** Return events in the period. */
  readonly returns: number;
}

export interface QualityFigures extends DecisionCounts {
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
  /** Business minutes between a return and the resubmission that answers it, on the clock that fits the handoff. */
  readonly minutesLost: (resubmission: ResubmissionCell) => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** First decisions, returns and their handoffs' returns in a period. */
export function countDecisions(cells: readonly DecisionCell[], period: Period): DecisionCounts {
  const fromMs = period.from.getTime();
  const toMs = period.to.getTime();
  let decided = 0;
  let returns = 0;
  let returnsOfDecided = 0;
  let returnedOnce = 0;
  let bouncedMoreThanOnce = 0;
  for (const c of cells) {
    if (c.at >= fromMs && c.at < toMs) {
      decided += c.decided;
      returns += c.returns;
    }
    // A return counts for its handoff when the handoff was decided in the period and it came before the end.
    if (c.at < toMs && c.decidedAt >= fromMs && c.decidedAt < toMs) {
      returnsOfDecided += c.returns;
      returnedOnce += c.firstReturns;
      bouncedMoreThanOnce += c.secondReturns;
    }
  }
  return { decided, firstTimeRight: decided - returnedOnce, returnsOfDecided, bouncedMoreThanOnce, returns };
}

interface ReasonTally {
  count: number;
  readonly reasons: Map<string, { reason: string; count: number; handoffId: number; eventId: number }>;
}

function tally(into: ReasonTally, c: ReasonCell): void {
  into.count += c.count;
  if (!c.reasonKey || c.reason === null) return;
  const entry = into.reasons.get(c.reasonKey);
  if (!entry) into.reasons.set(c.reasonKey, { reason: c.reason, count: c.count, handoffId: c.firstHandoffId, eventId: c.firstEventId });
  else {
    entry.count += c.count;
    // The wording shown is the one of the earliest return in the order of handoffs, then events.
    if (c.firstHandoffId < entry.handoffId || (c.firstHandoffId === entry.handoffId && c.firstEventId < entry.eventId)) Object.assign(entry, { reason: c.reason, handoffId: c.firstHandoffId, eventId: c.firstEventId });
  }
}

function rankedReasons(t: ReasonTally | undefined): ReasonCount[] {
  if (!t) return [];
  return [...t.reasons.values()].map(({ reason, count }) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** The figures of one period over the given cells (already narrowed to a type, a pair or a team). */
export function computeQualityFigures(cells: QualityCells, period: Period, opts: QualityOptions): QualityFigures {
  const fromMs = period.from.getTime();
  const toMs = period.to.getTime();
  const within = (t: number) => t >= fromMs && t < toMs;
  const fields = new Map<string, ReasonTally>();
  const other: ReasonTally = { count: 0, reasons: new Map() };
  for (const c of cells.reasons) {
    if (!within(c.at)) continue;
    let into = other;
    if (c.field !== null) {
      into = fields.get(c.field) ?? { count: 0, reasons: new Map() };
      fields.set(c.field, into);
    }
    tally(into, c);
  }
  const lost: number[] = [];
  for (const r of cells.resubmissions) if (within(r.at)) lost.push(opts.minutesLost(r));
  // A typed array sorts numbers natively, several times faster than a comparator over thousands of them.
  const sorted = Array.from(Float64Array.from(lost).sort());
  const flaggedFields = [...fields.entries()]
    .map(([key, t]) => ({ key, count: t.count, topReason: rankedReasons(t)[0]?.reason ?? null }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return {
    ...countDecisions(cells.decisions, period),
    flaggedFields,
    somethingElse: other.count,
    somethingElseReasons: rankedReasons(other),
    timeLost: { count: sorted.length, totalMinutes: sorted.reduce((a, b) => a + b, 0), median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) },
  };
}

/** First-time right as a share (0..1), or null when nothing was decided. */
export function firstTimeRightShare(f: { decided: number; firstTimeRight: number }): number | null {
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

export const pairKey = (fromTeam: string | null, toTeam: string): string => `${fromTeam ?? '*'}→${toTeam}`;

interface GroupCells {
  readonly decisions: DecisionCell[];
  readonly reasons: ReasonCell[];
  readonly resubmissions: ResubmissionCell[];
}

/** The cells split by `keyOf` (a type, a team pair). */
export function groupCells(cells: QualityCells, keyOf: (c: QualityDims) => string): Map<string, GroupCells> {
  const groups = new Map<string, GroupCells>();
  const groupOf = (c: QualityDims) => {
    const key = keyOf(c);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { decisions: [], reasons: [], resubmissions: [] }));
    return g;
  };
  for (const c of cells.decisions) groupOf(c).decisions.push(c);
  for (const c of cells.reasons) groupOf(c).reasons.push(c);
  for (const c of cells.resubmissions) groupOf(c).resubmissions.push(c);
  return groups;
}

/** Quality of the last `days` against the `days` before, in total, per handoff type and per sending → receiving team pair. */
export function buildQualityReport(cells: QualityCells, now: Date, days: number, opts: QualityOptions): QualityReport {
  const { current, previous } = comparedPeriods(now, days);
  // Each resubmission counts in the totals, its type and its pair: its business minutes are worked out once.
  const minutes = new Map<ResubmissionCell, number>();
  const once: QualityOptions = {
    minutesLost: (r) => {
      let m = minutes.get(r);
      if (m === undefined) minutes.set(r, (m = opts.minutesLost(r)));
      return m;
    },
  };
  const both = (c: QualityCells) => ({ current: computeQualityFigures(c, current, once), previous: computeQualityFigures(c, previous, once) });
  const toGroups = (map: Map<string, GroupCells>): QualityGroup[] =>
    [...map.entries()]
      .map(([key, g]): QualityGroup | null => {
        // A group shows the teams of its first handoff (a type's teams may have changed in the config since).
        const first = g.decisions.reduce<DecisionCell | null>((a, c) => (a === null || c.firstHandoffId < a.firstHandoffId ? c : a), null);
        return first ? { key, fromTeam: first.fromTeam, toTeam: first.toTeam, ...both(g) } : null;
      })
      .filter((g): g is QualityGroup => g !== null && g.current.decided + g.current.returns + g.previous.decided + g.previous.returns > 0)
      .sort((a, b) => b.current.decided - a.current.decided || a.key.localeCompare(b.key));
  return {
    days,
    current,
    previous,
    totals: both(cells),
    byType: toGroups(groupCells(cells, (c) => c.typeKey)),
    byPair: toGroups(groupCells(cells, (c) => pairKey(c.fromTeam, c.toTeam))),
  };
}

/** First-time right of the handoffs created under one version of a type's definition. */
export interface VersionFigures {
  readonly version: string;
  /** When the first of these handoffs was created (ms). */
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
 * The changes of one type's definition among the handoffs first decided in `window` (the cells cover
 * one type), oldest first. A version is the hash recorded on each handoff when it was created;
 * versions are ordered by their earliest handoff. First-time right counts returns up to the end of
 * the window; handoffs from before versions were recorded are left out.
 */
export function compareTypeVersions(cells: readonly DecisionCell[], window: Period): VersionChange[] {
  const fromMs = window.from.getTime();
  const toMs = window.to.getTime();
  const versions = new Map<string, { version: string; since: number; decided: number; firstTimeRight: number }>();
  for (const c of cells) {
    if (!c.typeVersion || c.decided === 0 || c.at < fromMs || c.at >= toMs) continue;
    const v = versions.get(c.typeVersion) ?? { version: c.typeVersion, since: Number.POSITIVE_INFINITY, decided: 0, firstTimeRight: 0 };
    v.since = Math.min(v.since, c.firstCreatedAt ?? Number.POSITIVE_INFINITY);
    v.decided += c.decided;
    v.firstTimeRight += c.decided;
    versions.set(c.typeVersion, v);
  }
  for (const c of cells) {
    const v = c.typeVersion ? versions.get(c.typeVersion) : undefined;
    if (v && c.at < toMs && c.decidedAt >= fromMs && c.decidedAt < toMs) v.firstTimeRight -= c.firstReturns;
  }
  const ordered = [...versions.values()].sort((a, b) => a.since - b.since || a.version.localeCompare(b.version));
  return ordered.slice(1).map((after, i) => ({ before: ordered[i], after }));
}
