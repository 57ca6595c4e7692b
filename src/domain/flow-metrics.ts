import type { EventType, HandoffState } from './lifecycle.js';

/**
 * Flow metrics of a receiving team, computed from its handoffs' state changes (the events table),
 * never from counters. Pure: the repo reads the rows, the caller supplies the business clock.
 *
 * Definitions, for a period [from, to):
 * - started / accepted / returned / done / cancelled: state changes of that kind in the period
 *   (accepted = any change from OPEN to ACCEPTED, including a lead assigning it from the queue).
 * - time to accept: for each acceptance in the period, the business time since the handoff last
 *   entered the queue (submitted, resubmitted or released).
 * - time to complete: for each completion in the period, the business time since it was accepted.
 * - SLA breaches: of those measurements, the ones longer than the type's SLA, plus handoffs still
 *   waiting (OPEN) or in progress (ACCEPTED) at the end of the period that are already past it.
 * - rejection rate: returned / (accepted + returned) in the period.
 * - stages: business time per visit of each active state, for visits that ended in the period; the
 *   stage with the longest median is where handoffs wait longest.
 */

/** The states a handoff waits in. */
export const STAGES = ['open', 'accepted', 'returned'] as const;
export type Stage = (typeof STAGES)[number];

/** One state-changing event, with the times of the state changes around it. */
export interface StateChange {
  readonly handoffId: number;
  readonly typeKey: string;
  readonly type: EventType;
  /** ms since epoch */
  readonly at: number;
  readonly fromState: HandoffState | null;
  readonly toState: HandoffState;
  /** When the handoff entered `fromState` (the previous state change); null for the first. */
  readonly since: number | null;
  /** The next state change, or null when there is none yet. */
  readonly nextAt: number | null;
  /** The reason given with a rejection. */
  readonly reason: string | null;
}

export interface Period {
  readonly from: Date;
  readonly to: Date;
}

/** A type's SLAs in business minutes of the receiving team; undefined when the type has none. */
export interface SlaMinutes {
  readonly accept?: number;
  readonly complete?: number;
}

export interface Summary {
  readonly count: number;
  /** Business minutes; null without samples. */
  readonly median: number | null;
  readonly p90: number | null;
}

export interface Share {
  readonly part: number;
  readonly whole: number;
}

export interface FlowMetrics {
  readonly started: number;
  readonly accepted: number;
  readonly returned: number;
  readonly done: number;
  readonly cancelled: number;
  readonly timeToAccept: Summary;
  readonly timeToComplete: Summary;
  readonly acceptBreaches: Share;
  readonly completeBreaches: Share;
  readonly rejections: Share;
  readonly topReasons: ReadonlyArray<{ readonly reason: string; readonly count: number }>;
  readonly stages: Readonly<Record<Stage, Summary>>;
  readonly longestStage: Stage | null;
}

export interface MetricsOptions {
  /** Business minutes between two instants (ms) on the receiving team's clock. */
  readonly minutesBetween: (a: number, b: number) => number;
  readonly slaOf: (typeKey: string) => SlaMinutes;
  readonly topReasons?: number;
}

/**
 * The p-th percentile (0..1) of ascending `sorted` values by linear interpolation between the
 * closest ranks (Excel's PERCENTILE.INC, numpy's default): rank h = (n-1)·p, then
 * x[⌊h⌋] + (h-⌊h⌋)·(x[⌈h⌉]-x[⌊h⌋]). The median is p = 0.5. Null for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) };
}

const within = (t: number, p: Period) => t >= p.from.getTime() && t < p.to.getTime();
const isStage = (s: HandoffState | null): s is Stage => s === 'open' || s === 'accepted' || s === 'returned';

/** Reasons are free text: count them by their words, show the first wording seen. */
function normalizeReason(reason: string): string {
  return reason.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The metrics of one period over the state changes given (one type's, or a whole team's). */
export function computeFlowMetrics(changes: readonly StateChange[], period: Period, opts: MetricsOptions): FlowMetrics {
  const end = period.to.getTime();
  const count = { started: 0, accepted: 0, returned: 0, done: 0, cancelled: 0 };
  const toAccept: number[] = [];
  const toComplete: number[] = [];
  const acceptBreaches = { part: 0, whole: 0 };
  const completeBreaches = { part: 0, whole: 0 };
  const stageTimes: Record<Stage, number[]> = { open: [], accepted: [], returned: [] };
  const reasons = new Map<string, { reason: string; count: number }>();
  const measure = (since: number | null, at: number) => (since === null ? 0 : opts.minutesBetween(since, at));
  const breach = (tally: { part: number; whole: number }, minutes: number, sla: number | undefined) => {
    if (sla === undefined) return;
    tally.whole++;
    if (minutes > sla) tally.part++;
  };

  for (const c of changes) {
    const sla = opts.slaOf(c.typeKey);
    if (within(c.at, period)) {
      if (c.type === 'created') count.started++;
      if (c.fromState === 'open' && c.toState === 'accepted') {
        count.accepted++;
        const minutes = measure(c.since, c.at);
        toAccept.push(minutes);
        breach(acceptBreaches, minutes, sla.accept);
      }
      if (c.type === 'rejected') {
        count.returned++;
        if (c.reason?.trim()) {
          const key = normalizeReason(c.reason);
          const entry = reasons.get(key) ?? { reason: c.reason.trim(), count: 0 };
          entry.count++;
          reasons.set(key, entry);
        }
      }
      if (c.type === 'completed') {
        count.done++;
        const minutes = measure(c.since, c.at);
        toComplete.push(minutes);
        breach(completeBreaches, minutes, sla.complete);
      }
      if (c.type === 'cancelled') count.cancelled++;
      if (isStage(c.fromState) && c.since !== null) stageTimes[c.fromState].push(measure(c.since, c.at));
    }
    // Still waiting when the period ended, and already past its SLA: a breach, though not yet measured.
    const running = c.at < end && (c.nextAt === null || c.nextAt >= end);
    if (running && (c.toState === 'open' || c.toState === 'accepted')) {
      const limit = c.toState === 'open' ? sla.accept : sla.complete;
      if (limit !== undefined && opts.minutesBetween(c.at, end) > limit) {
        const tally = c.toState === 'open' ? acceptBreaches : completeBreaches;
        tally.part++;
        tally.whole++;
      }
    }
  }

  const stages = { open: summarize(stageTimes.open), accepted: summarize(stageTimes.accepted), returned: summarize(stageTimes.returned) };
  let longestStage: Stage | null = null;
  for (const s of STAGES) {
    const m = stages[s].median;
    if (m !== null && (longestStage === null || m > (stages[longestStage].median ?? -1))) longestStage = s;
  }
  return {
    ...count,
    timeToAccept: summarize(toAccept),
    timeToComplete: summarize(toComplete),
    acceptBreaches,
    completeBreaches,
    rejections: { part: count.returned, whole: count.accepted + count.returned },
    topReasons: [...reasons.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)).slice(0, opts.topReasons ?? 3),
    stages,
    longestStage,
  };
}

export interface PeriodPair {
  readonly current: FlowMetrics;
  readonly previous: FlowMetrics;
}

export interface TeamFlowReport {
  readonly teamKey: string;
  readonly days: number;
  readonly period: Period;
  readonly previousPeriod: Period;
  readonly total: PeriodPair;
  /** Per handoff type with any activity in either period, most started first; empty when not asked for. */
  readonly byType: ReadonlyArray<{ readonly typeKey: string } & PeriodPair>;
}

/** The period of `days` days ending at `now`, and the one before it. */
export function periodsEndingAt(now: Date, days: number): { period: Period; previousPeriod: Period } {
  const span = days * 24 * 60 * 60 * 1000;
  const to = now.getTime();
  return { period: { from: new Date(to - span), to: new Date(to) }, previousPeriod: { from: new Date(to - 2 * span), to: new Date(to - span) } };
}

const hasActivity = (m: FlowMetrics) => m.started + m.accepted + m.returned + m.done + m.cancelled + m.acceptBreaches.whole + m.completeBreaches.whole > 0;

/** A team's report for `days` days ending at `now`, against the `days` before, in total and (unless `perType` is false) per type. */
export function buildTeamFlowReport(teamKey: string, changes: readonly StateChange[], now: Date, days: number, opts: MetricsOptions & { perType?: boolean }): TeamFlowReport {
  const { period, previousPeriod } = periodsEndingAt(now, days);
  const pair = (rows: readonly StateChange[]): PeriodPair => ({ current: computeFlowMetrics(rows, period, opts), previous: computeFlowMetrics(rows, previousPeriod, opts) });
  const byTypeRows = new Map<string, StateChange[]>();
  if (opts.perType !== false)
    for (const c of changes) {
      const list = byTypeRows.get(c.typeKey);
      if (list) list.push(c);
      else byTypeRows.set(c.typeKey, [c]);
    }
  const byType = [...byTypeRows]
    .map(([typeKey, rows]) => ({ typeKey, ...pair(rows) }))
    .filter((t) => hasActivity(t.current) || hasActivity(t.previous))
    .sort((a, b) => b.current.started - a.current.started || a.typeKey.localeCompare(b.typeKey));
  return { teamKey, days, period, previousPeriod, total: pair(changes), byType };
}
