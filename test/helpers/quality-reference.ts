/**
 * The quality figures as they were computed before the day sums (issue 14's first version): every
 * decision and resubmission of the handoffs in scope read from the event history on each ask, and
 * the figures computed over them. Kept here only as the reference the rollups are checked against
 * (test/unit/quality-rollups.test.ts); src has one implementation, the rollups.
 */
import { and, asc, eq, gte, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../src/db/database';
import type { QualityScope } from '../../src/db/quality-repo';
import { percentile } from '../../src/domain/flow-metrics';
import { returnFlagsOf } from '../../src/domain/lifecycle';
import { comparedPeriods, normalizeReason, pairKey, type Period, type QualityFigures, type QualityGroup, type QualityReport, type ReasonCount, type VersionChange } from '../../src/domain/quality-metrics';

export type QualityKind = 'accepted' | 'returned' | 'resubmitted';

/** One decision or resubmission of a handoff, in the order they happened. */
export interface QualityEvent {
  readonly handoffId: number;
  readonly typeKey: string;
  readonly fromTeam: string | null;
  readonly toTeam: string;
  readonly typeVersion: string | null;
  readonly kind: QualityKind;
  readonly at: number;
  readonly createdAt: number;
  readonly flaggedFields: readonly string[];
  readonly somethingElse: boolean;
  readonly reason: string | null;
}

export interface QualityOptions {
  readonly minutesLost: (event: QualityEvent, returnedAt: number) => number;
}

const NO_FLAGS: readonly string[] = Object.freeze([]);

/** QualityRepo.events as it was: the quality events of the handoffs in scope not closed before `from`, before `to`. */
export async function referenceEvents(database: Database, scope: QualityScope, from: Date, to: Date): Promise<QualityEvent[]> {
  return new ReferenceRepo(database).events(scope, from, to);
}

class ReferenceRepo {
  constructor(private readonly database: Database) {}

  async events(scope: QualityScope, from: Date, to: Date): Promise<QualityEvent[]> {
    const { events, handoffs } = this.database.schema;
    const where = scopeFilter(handoffs, scope);
    if (!where) return [];
    // Timestamps read as the stored numbers (epoch ms), as the events carry them: no Date per row.
    const rows = await this.database.db
      .select({
        handoffId: events.handoffId,
        typeKey: handoffs.typeKey,
        fromTeam: handoffs.fromTeam,
        toTeam: handoffs.toTeam,
        typeVersion: handoffs.typeVersion,
        createdAt: sql<number>`${handoffs.createdAt}`.mapWith(Number),
        type: events.type,
        at: sql<number>`${events.at}`.mapWith(Number),
        // JSON text on SQLite, jsonb (an object) on Postgres.
        data: sql<string | Record<string, unknown> | null>`CASE WHEN ${events.type} = 'rejected' THEN ${events.data} END`,
      })
      .from(handoffs)
      .crossJoin(events)
      .where(
        and(
          where,
          lt(handoffs.createdAt, to),
          or(isNull(handoffs.closedAt), gte(handoffs.closedAt, from)),
          eq(events.handoffId, handoffs.id),
          lt(events.at, to),
          or(inArray(events.type, ['accepted', 'rejected', 'resubmitted']), and(eq(events.type, 'reassigned'), eq(events.fromState, 'open'))),
        ),
      )
      .orderBy(asc(events.handoffId), asc(events.id));
    const out: QualityEvent[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const { handoffId, typeKey, fromTeam, toTeam, typeVersion, createdAt, type, at, data: raw } = rows[i];
      const returned = type === 'rejected';
      const data = returned ? parseData(raw) : null;
      const flags = data ? returnFlagsOf(data) : null;
      const kind: QualityKind = returned ? 'returned' : type === 'resubmitted' ? 'resubmitted' : 'accepted';
      out[i] = {
        handoffId,
        typeKey,
        fromTeam,
        toTeam,
        typeVersion,
        createdAt,
        kind,
        at,
        flaggedFields: flags ? flags.flaggedFields : NO_FLAGS,
        somethingElse: flags ? flags.somethingElse : false,
        reason: data && typeof data.reason === 'string' ? data.reason : null,
      };
    }
    return out;
  }
}

function scopeFilter(handoffs: Database['schema']['handoffs'], scope: QualityScope): SQL | undefined {
  if ('type' in scope) return eq(handoffs.typeKey, scope.type);
  const teams = 'team' in scope ? [scope.team] : scope.teams;
  if (teams.length === 0) return undefined;
  return or(inArray(handoffs.toTeam, [...teams]), inArray(handoffs.fromTeam, [...teams]));
}

function parseData(raw: string | Record<string, unknown> | null): Record<string, unknown> {
  if (!raw) return {};
  if (typeof raw === 'object') return Array.isArray(raw) ? {} : raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
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
export function referenceFigures(events: readonly QualityEvent[], period: Period, opts: QualityOptions): QualityFigures {
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


/** Quality of the last `days` against the `days` before, in total, per handoff type and per sending → receiving team pair. */
export function referenceReport(events: readonly QualityEvent[], now: Date, days: number, opts: QualityOptions): QualityReport {
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

/**
 * The changes of one type's definition seen in `events` (which cover one type), oldest first. A
 * version is the hash recorded on each handoff when it was created; versions are ordered by their
 * first handoff. Decided handoffs only count for first-time right (no decision yet: not counted);
 * handoffs from before versions were recorded are left out.
 */
export function referenceVersions(events: readonly QualityEvent[]): VersionChange[] {
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
