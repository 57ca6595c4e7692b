import { and, asc, type Column, eq, gt, gte, inArray, lt, lte, max, notExists, notInArray, or, type SQL, sql } from 'drizzle-orm';
import { returnFlagsOf } from '../domain/lifecycle.js';
import {
  cellsOfFact,
  type DecisionCell,
  type QualityCells,
  type QualityEvent,
  type QualityFact,
  qualityFactsOf,
  qualityKindOf,
  type ReasonCell,
  type ResubmissionCell,
  type DayReasonEntry,
} from '../domain/quality-metrics.js';
import type { Database, Statement } from './database.js';
import type { QualityFactRow } from './schema.js';

/** Which handoffs a quality query covers. */
export type QualityScope = { readonly team: string } | { readonly teams: readonly string[] } | { readonly type: string };

const DAY_MS = 24 * 60 * 60 * 1000;
const dayOf = (ms: number) => Math.floor(ms / DAY_MS);
/** Handoffs per catch-up transaction. */
const CATCH_UP_BATCH = 500;
/**
 * The catch-up marks the history as checked only up to events this old: an older version of the bot
 * may still be committing a younger one (Postgres hands out ids before commit), and it is looked at
 * again next time.
 */
const SETTLED_MS = 5 * 60 * 1000;

type DayRow = (typeof import('./schema.js'))['qualityDays']['$inferInsert'];
/** The key of a day's row of reasons or resubmissions of one type and team pair. */
interface DayKey {
  readonly toTeam: string;
  readonly day: number;
  readonly typeKey: string;
  readonly fromTeam: string;
}

const dayKeyOf = (c: { toTeam: string; typeKey: string; fromTeam: string | null; at: number }): DayKey => ({ toTeam: c.toTeam, day: dayOf(c.at), typeKey: c.typeKey, fromTeam: c.fromTeam ?? '' });

/** A day's reason entries with some returns' reason cells added: summed per field and reason key, keeping the earliest wording. */
function addReasons(entries: readonly DayReasonEntry[], cells: readonly ReasonCell[]): DayReasonEntry[] {
  const out = entries.map((e): DayReasonEntry => [...e]);
  const index = new Map(out.map((e, i) => [`${e[0] ?? ''}\u0000${e[0] === null ? 1 : 0}\u0000${e[1]}`, i]));
  for (const c of cells) {
    const id = `${c.field ?? ''}\u0000${c.field === null ? 1 : 0}\u0000${c.reasonKey}`;
    const i = index.get(id);
    if (i === undefined) {
      index.set(id, out.length);
      out.push([c.field, c.reasonKey, c.count, c.reason, c.firstHandoffId, c.firstEventId]);
      continue;
    }
    const e = out[i];
    e[2] += c.count;
    if (c.firstHandoffId < e[4] || (c.firstHandoffId === e[4] && c.firstEventId < e[5])) [e[3], e[4], e[5]] = [c.reason, c.firstHandoffId, c.firstEventId];
  }
  return out;
}

/** Flags of a return without any: shared, so the (many) accepts and resubmissions allocate nothing. */
const NO_FLAGS: readonly string[] = Object.freeze([]);

/**
 * The quality figures' storage: a fact per quality event (QualityFact), written in the transaction
 * that writes the event, and their sums per day (quality_days, quality_reasons), added to in the
 * same transaction, so the sums cannot drift from the facts. Reads give the cells the figures of
 * some periods are computed from (domain/quality-metrics.ts explains why that is exact).
 */
export class QualityRepo {
  private readonly historyStatement;
  private readonly reasonsOfDay;
  private readonly saveReasons;
  private readonly spansOfDay;
  private readonly saveSpans;
  /** The multi-row writes, by table and row count (BLOCKS), prepared once each. */
  private readonly writes = new Map<string, Statement<unknown>>();

  constructor(private readonly database: Database) {
    const { events, handoffs, qualityReasons, qualityResubmissions } = database.schema;
    const p = sql.placeholder;
    this.historyStatement = database.prepare((db) => this.historyQuery(db, and(eq(handoffs.id, p('handoffId')), lte(events.id, p('eventId'))) as SQL).prepare());
    const bucket = <T extends typeof qualityReasons | typeof qualityResubmissions>(t: T) =>
      and(eq(t.toTeam, p('toTeam')), eq(t.day, p('day')), eq(t.typeKey, p('typeKey')), eq(t.fromTeam, p('fromTeam'))) as SQL;
    this.reasonsOfDay = database.prepare((db) => db.select({ entries: qualityReasons.entries }).from(qualityReasons).where(bucket(qualityReasons)).limit(1).prepare());
    this.spansOfDay = database.prepare((db) => db.select({ spans: qualityResubmissions.spans }).from(qualityResubmissions).where(bucket(qualityResubmissions)).limit(1).prepare());
    const key = { toTeam: p('toTeam'), day: p('day'), typeKey: p('typeKey'), fromTeam: p('fromTeam') };
    this.saveReasons = database.prepare((db) =>
      db
        .insert(qualityReasons)
        .values({ ...key, entries: p('entries') } as never)
        .onConflictDoUpdate({ target: [qualityReasons.toTeam, qualityReasons.day, qualityReasons.typeKey, qualityReasons.fromTeam], set: { entries: sql`${excluded('entries')}` } })
        .prepare(),
    );
    this.saveSpans = database.prepare((db) =>
      db
        .insert(qualityResubmissions)
        .values({ ...key, spans: p('spans') } as never)
        .onConflictDoUpdate({ target: [qualityResubmissions.toTeam, qualityResubmissions.day, qualityResubmissions.typeKey, qualityResubmissions.fromTeam], set: { spans: sql`${excluded('spans')}` } })
        .prepare(),
    );
  }

  /**
   * Records the fact of an event just written, in the caller's transaction: called by HandoffRepo
   * for every event that is a quality event (qualityKindOf). The fact follows from the handoff's
   * quality events up to this one.
   */
  async recordEvent(handoffId: number, eventId: number): Promise<void> {
    const history = eventsOf(await this.historyStatement.execute({ handoffId, eventId }));
    const fact = qualityFactsOf(history).at(-1);
    if (fact && fact.eventId === eventId) await this.storeFacts([fact]);
  }

  /**
   * Records the facts of quality events that have none: at start (a database from before
   * quality_facts, the events an older version of the bot wrote alongside this one). Looks at the
   * events after the last catch-up, handoff by handoff in transactions of CATCH_UP_BATCH handoffs,
   * and returns how many facts it recorded. A fact already recorded (by a decision, or another
   * instance catching up at the same time) is left as it is, and its sums are not added again.
   */
  async catchUp(now: Date): Promise<number> {
    const { events, qualityFacts, qualityBackfill } = this.database.schema;
    const db = this.database.db;
    const [state] = await db.select({ through: qualityBackfill.throughEventId }).from(qualityBackfill).where(eq(qualityBackfill.id, 1)).limit(1);
    const through = state?.through ?? 0;
    const [{ settled }] = await db
      .select({ settled: max(events.id) })
      .from(events)
      .where(and(gt(events.id, through), lt(events.at, new Date(now.getTime() - SETTLED_MS))));
    const pending = await db
      .selectDistinct({ handoffId: events.handoffId })
      .from(events)
      .where(and(gt(events.id, through), qualityFilter(events), notExists(db.select({ one: sql`1` }).from(qualityFacts).where(eq(qualityFacts.eventId, events.id)))))
      .orderBy(asc(events.handoffId));
    let recorded = 0;
    for (let i = 0; i < pending.length; i += CATCH_UP_BATCH) {
      const ids = pending.slice(i, i + CATCH_UP_BATCH).map((r) => r.handoffId);
      recorded += await this.database.transaction(async () => {
        const rows = await this.historyQuery(this.database.db, inArray(this.database.schema.handoffs.id, ids));
        const facts: QualityFact[] = [];
        for (const history of groupByHandoff(eventsOf(rows))) facts.push(...qualityFactsOf(history));
        return this.storeFacts(facts);
      });
    }
    if (settled !== null && Number(settled) > through) {
      await this.database.transaction(async (tx) => {
        const next = Number(settled);
        await tx
          .insert(qualityBackfill)
          .values({ id: 1, throughEventId: next, at: now })
          .onConflictDoUpdate({ target: qualityBackfill.id, set: { throughEventId: sql`CASE WHEN ${old('quality_backfill', 'through_event_id')} < ${next} THEN ${next} ELSE ${old('quality_backfill', 'through_event_id')} END`, at: now } });
      });
    }
    return recorded;
  }

  /**
   * What the figures of the consecutive periods between `boundaries` (ascending) are computed from,
   * for the handoffs in scope: the day sums of every day no boundary cuts, and the facts of the days
   * a boundary cuts one by one. With `detail`, also the flagged fields and reasons, and every
   * resubmission of the span (time lost); without, decisions and returns only (the weekly report).
   */
  async cells(scope: QualityScope, boundaries: readonly Date[], opts: { detail: boolean }): Promise<QualityCells> {
    const { qualityDays, qualityReasons, qualityFacts, qualityResubmissions } = this.database.schema;
    const bounds = boundaries.map((b) => b.getTime());
    if (bounds.length < 2) return { decisions: [], reasons: [], resubmissions: [] };
    const start = bounds[0];
    const end = bounds[bounds.length - 1];
    const firstDay = dayOf(start);
    const lastDay = dayOf(end - 1);
    // A boundary at midnight UTC cuts no day.
    const cut = [...new Set(bounds.filter((b) => b % DAY_MS !== 0).map(dayOf))];
    const isCut = (ms: number) => cut.includes(dayOf(ms));
    const onCutDay = (column: typeof qualityFacts.at | typeof qualityFacts.decidedAt) => or(...cut.map((d) => and(gte(column, d * DAY_MS), lt(column, (d + 1) * DAY_MS))));
    const db = this.database.db;

    const dayRows = await eachPart(scope, qualityDays, (part) =>
      db
        .select({
          toTeam: qualityDays.toTeam,
          day: qualityDays.day,
          decidedDay: qualityDays.decidedDay,
          typeKey: qualityDays.typeKey,
          fromTeam: qualityDays.fromTeam,
          typeVersion: qualityDays.typeVersion,
          decided: qualityDays.decided,
          returns: qualityDays.returns,
          firstReturns: qualityDays.firstReturns,
          secondReturns: qualityDays.secondReturns,
          firstCreatedAt: qualityDays.firstCreatedAt,
          firstHandoffId: qualityDays.firstHandoffId,
        })
        .from(qualityDays)
        .where(and(part, gte(qualityDays.day, firstDay), lte(qualityDays.day, lastDay), notInArray(qualityDays.day, cut), notInArray(qualityDays.decidedDay, cut))),
    );
    const decisions: DecisionCell[] = dayRows.map((r) => ({
      typeKey: r.typeKey,
      fromTeam: r.fromTeam || null,
      toTeam: r.toTeam,
      typeVersion: r.typeVersion || null,
      at: r.day * DAY_MS,
      decidedAt: r.decidedDay * DAY_MS,
      decided: r.decided,
      returns: r.returns,
      firstReturns: r.firstReturns,
      secondReturns: r.secondReturns,
      firstCreatedAt: r.firstCreatedAt === null ? null : Number(r.firstCreatedAt),
      firstHandoffId: r.firstHandoffId,
    }));
    const reasons: ReasonCell[] = [];
    const resubmissions: ResubmissionCell[] = [];

    if (cut.length > 0) {
      // Decisions and returns on the cut days, one by one (with their reasons: their day has no sums read).
      const onCut = await eachPart(scope, qualityFacts, (part) =>
        db
          .select()
          .from(qualityFacts)
          .where(and(part, or(eq(qualityFacts.firstDecision, true), gt(qualityFacts.returnNumber, 0)), onCutDay(qualityFacts.at))),
      );
      for (const row of onCut) {
        const c = cellsOfFact(factOf(row));
        if (c.decision) decisions.push(c.decision);
        if (opts.detail) reasons.push(...c.reasons);
      }
      // Returns on other days of the span whose handoffs were first decided on a cut day (their
      // reasons are in their day's sums). The days are checked here, not in SQL, so that the query
      // takes quality_facts_decided_at_idx, not a range of quality_facts_at_idx.
      const decidedOnCut = await eachPart(scope, qualityFacts, (part) =>
        db
          .select()
          .from(qualityFacts)
          .where(and(part, gt(qualityFacts.returnNumber, 0), onCutDay(qualityFacts.decidedAt))),
      );
      for (const row of decidedOnCut) {
        const fact = factOf(row);
        if (isCut(fact.at) || dayOf(fact.at) > lastDay) continue;
        const { decision } = cellsOfFact(fact);
        if (decision) decisions.push(decision);
      }
    }

    if (opts.detail) {
      const reasonRows = await eachPart(scope, qualityReasons, (part) =>
        db
          .select()
          .from(qualityReasons)
          .where(and(part, gte(qualityReasons.day, firstDay), lte(qualityReasons.day, lastDay), notInArray(qualityReasons.day, cut))),
      );
      // Object literals of one shape, no spreads: thousands of these are summed per answer.
      for (const r of reasonRows) {
        const fromTeam = r.fromTeam || null;
        const at = r.day * DAY_MS;
        for (const e of r.entries) reasons.push({ typeKey: r.typeKey, fromTeam, toTeam: r.toTeam, at, field: e[0], reasonKey: e[1], count: e[2], reason: e[3], firstHandoffId: e[4], firstEventId: e[5] });
      }
      const spanRows = await eachPart(scope, qualityResubmissions, (part) =>
        db
          .select()
          .from(qualityResubmissions)
          .where(and(part, gte(qualityResubmissions.day, firstDay), lte(qualityResubmissions.day, lastDay))),
      );
      for (const r of spanRows) {
        const fromTeam = r.fromTeam || null;
        for (const span of r.spans) if (span[0] >= start && span[0] < end) resubmissions.push({ typeKey: r.typeKey, fromTeam, toTeam: r.toTeam, at: span[0], returnedAt: span[1] });
      }
    }
    return { decisions, reasons, resubmissions };
  }

  /**
   * The quality events of the handoffs `where` picks (on handoffs.id, and events.id), with their type
   * and teams, in order. A cross join with the join condition in WHERE keeps the handoffs first on
   * SQLite, whose planner (without ANALYZE) would otherwise start from the events' type index and read
   * every handoff's decisions; events_handoff_idx holds type, at and from_state, so the events that
   * are not decisions are skipped without reading their rows.
   */
  private historyQuery(db: Database['db'], where: SQL) {
    const { events, handoffs } = this.database.schema;
    // Timestamps read as the stored numbers (epoch ms): no Date per row.
    return db
      .select({
        handoffId: events.handoffId,
        eventId: events.id,
        typeKey: handoffs.typeKey,
        fromTeam: handoffs.fromTeam,
        toTeam: handoffs.toTeam,
        typeVersion: handoffs.typeVersion,
        createdAt: sql<number>`${handoffs.createdAt}`.mapWith(Number),
        type: events.type,
        fromState: events.fromState,
        at: sql<number>`${events.at}`.mapWith(Number),
        // JSON text on SQLite, jsonb (an object) on Postgres.
        data: sql<string | Record<string, unknown> | null>`CASE WHEN ${events.type} = 'rejected' THEN ${events.data} END`,
      })
      .from(handoffs)
      .crossJoin(events)
      .where(and(where, eq(events.handoffId, handoffs.id), qualityFilter(events)))
      .orderBy(asc(events.handoffId), asc(events.id));
  }

  /** Inserts facts not recorded yet and adds those to the day sums, in the caller's transaction; returns how many were new. */
  private async storeFacts(facts: readonly QualityFact[]): Promise<number> {
    const fresh = new Set((await this.write('facts', facts.map(factRow))).map((r) => (r as { eventId: number }).eventId));
    // Summed here first: one statement may not update a row twice (Postgres).
    const days = new Map<string, DayRow>();
    const reasons = new Map<string, { key: DayKey; cells: ReasonCell[] }>();
    const spans = new Map<string, { key: DayKey; spans: Array<[number, number]> }>();
    for (const f of facts) {
      if (!fresh.has(f.eventId)) continue;
      const c = cellsOfFact(f);
      if (c.decision) mergeDay(days, dayRow(c.decision));
      for (const r of c.reasons) {
        const key = dayKeyOf(r);
        const id = JSON.stringify(key);
        const entry = reasons.get(id) ?? { key, cells: [] };
        entry.cells.push(r);
        reasons.set(id, entry);
      }
      if (c.resubmission) {
        const key = dayKeyOf(c.resubmission);
        const id = JSON.stringify(key);
        const entry = spans.get(id) ?? { key, spans: [] };
        entry.spans.push([c.resubmission.at, c.resubmission.returnedAt]);
        spans.set(id, entry);
      }
    }
    await this.write('days', Array.from(days, ([, row]) => row));
    // A day's reasons and resubmissions are one row each: read, added to, written back in this transaction.
    for (const [, { key, cells }] of reasons) {
      const [stored] = await this.reasonsOfDay.execute({ toTeam: key.toTeam, day: key.day, typeKey: key.typeKey, fromTeam: key.fromTeam });
      await this.saveReasons.execute({ toTeam: key.toTeam, day: key.day, typeKey: key.typeKey, fromTeam: key.fromTeam, entries: addReasons(stored?.entries ?? [], cells) });
    }
    for (const [, { key, spans: added }] of spans) {
      const [stored] = await this.spansOfDay.execute({ toTeam: key.toTeam, day: key.day, typeKey: key.typeKey, fromTeam: key.fromTeam });
      await this.saveSpans.execute({ toTeam: key.toTeam, day: key.day, typeKey: key.typeKey, fromTeam: key.fromTeam, spans: [...(stored?.spans ?? []), ...added] });
    }
    return fresh.size;
  }

  /** Writes rows in a few prepared multi-row statements (BLOCKS); returns what they return (the new facts' ids). */
  private async write(kind: keyof typeof COLUMNS, rows: ReadonlyArray<Record<string, unknown>>): Promise<unknown[]> {
    const columns = COLUMNS[kind];
    const out: unknown[] = [];
    for (const [start, size] of blocksOf(rows.length)) {
      const values: Record<string, unknown> = {};
      for (let i = 0; i < size; i++) for (const c of columns) values[`${c}${i}`] = rows[start + i][c];
      const result = await this.writeStatement(kind, size).execute(values);
      if (Array.isArray(result)) out.push(...result);
    }
    return out;
  }

  private writeStatement(kind: keyof typeof COLUMNS, size: number): Statement<unknown> {
    const key = `${kind}:${size}`;
    let statement = this.writes.get(key);
    if (!statement) {
      const { qualityFacts, qualityDays } = this.database.schema;
      const values = Array.from({ length: size }, (_, i) => Object.fromEntries(COLUMNS[kind].map((c) => [c, sql.placeholder(`${c}${i}`)]))) as never[];
      statement = this.database.prepare((db): Statement<unknown> => {
        if (kind === 'facts') return db.insert(qualityFacts).values(values).onConflictDoNothing().returning({ eventId: qualityFacts.eventId }).prepare();
        return db.insert(qualityDays).values(values).onConflictDoUpdate(this.dayConflict()).prepare();
      });
      this.writes.set(key, statement);
    }
    return statement;
  }

  /** Adding a day's sums to the stored ones. */
  private dayConflict() {
    const t = this.database.schema.qualityDays;
    const o = (c: string) => old('quality_days', c);
    return {
      target: [t.toTeam, t.day, t.decidedDay, t.typeKey, t.fromTeam, t.typeVersion],
      set: {
        decided: sql`${o('decided')} + ${excluded('decided')}`,
        returns: sql`${o('returns')} + ${excluded('returns')}`,
        firstReturns: sql`${o('first_returns')} + ${excluded('first_returns')}`,
        secondReturns: sql`${o('second_returns')} + ${excluded('second_returns')}`,
        firstCreatedAt: sql`CASE WHEN ${o('first_created_at')} IS NULL OR ${excluded('first_created_at')} < ${o('first_created_at')} THEN ${excluded('first_created_at')} ELSE ${o('first_created_at')} END`,
        firstHandoffId: sql`CASE WHEN ${excluded('first_handoff_id')} < ${o('first_handoff_id')} THEN ${excluded('first_handoff_id')} ELSE ${o('first_handoff_id')} END`,
      },
    };
  }


}

/** The stored row's column in an upsert's SET (qualified: Postgres finds a bare name ambiguous beside `excluded`). */
const old = (table: string, column: string) => sql.raw(`"${table}"."${column}"`);
const excluded = (column: string) => sql.raw(`excluded."${column}"`);

/** The columns each write sets, every one of them on every row. */
const COLUMNS = {
  facts: ['eventId', 'handoffId', 'typeKey', 'fromTeam', 'toTeam', 'typeVersion', 'createdAt', 'at', 'firstDecision', 'returnNumber', 'decidedAt', 'returnedAt', 'flaggedFields', 'somethingElse', 'reason'],
  days: ['toTeam', 'day', 'decidedDay', 'typeKey', 'fromTeam', 'typeVersion', 'decided', 'returns', 'firstReturns', 'secondReturns', 'firstCreatedAt', 'firstHandoffId'],
} as const;

/**
 * Row counts of the multi-row writes: any number of rows is written as a sum of these, each
 * statement prepared once. 64 rows of 15 columns stay far below both databases' parameter limits.
 */
const BLOCKS = [64, 16, 4, 1] as const;

/** `[start, size]` of the blocks that cover `n` rows, largest first. */
function blocksOf(n: number): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  let start = 0;
  for (const size of BLOCKS) for (; n - start >= size; start += size) blocks.push([start, size]);
  return blocks;
}

function factRow(f: QualityFact): QualityFactRow {
  return {
    eventId: f.eventId,
    handoffId: f.handoffId,
    typeKey: f.typeKey,
    fromTeam: f.fromTeam,
    toTeam: f.toTeam,
    typeVersion: f.typeVersion,
    createdAt: f.createdAt,
    at: f.at,
    firstDecision: f.firstDecision,
    returnNumber: f.returnNumber,
    decidedAt: f.decidedAt,
    returnedAt: f.returnedAt,
    flaggedFields: [...f.flaggedFields],
    somethingElse: f.somethingElse,
    reason: f.reason,
  };
}

function factOf(r: QualityFactRow): QualityFact {
  return {
    eventId: r.eventId,
    handoffId: r.handoffId,
    typeKey: r.typeKey,
    fromTeam: r.fromTeam,
    toTeam: r.toTeam,
    typeVersion: r.typeVersion,
    createdAt: Number(r.createdAt),
    at: Number(r.at),
    firstDecision: r.firstDecision,
    returnNumber: r.returnNumber,
    decidedAt: r.decidedAt === null ? null : Number(r.decidedAt),
    returnedAt: r.returnedAt === null ? null : Number(r.returnedAt),
    flaggedFields: r.flaggedFields,
    somethingElse: r.somethingElse,
    reason: r.reason,
  };
}

function dayRow(c: DecisionCell): DayRow {
  return {
    toTeam: c.toTeam,
    day: dayOf(c.at),
    decidedDay: dayOf(c.decidedAt),
    typeKey: c.typeKey,
    fromTeam: c.fromTeam ?? '',
    typeVersion: c.typeVersion ?? '',
    decided: c.decided,
    returns: c.returns,
    firstReturns: c.firstReturns,
    secondReturns: c.secondReturns,
    firstCreatedAt: c.firstCreatedAt,
    firstHandoffId: c.firstHandoffId,
  };
}


const minOf = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined ? (b ?? null) : b === null || b === undefined ? a : Math.min(a, b));

function mergeDay(into: Map<string, DayRow>, r: DayRow): void {
  const key = JSON.stringify([r.toTeam, r.day, r.decidedDay, r.typeKey, r.fromTeam, r.typeVersion]);
  const o = into.get(key);
  if (!o) {
    into.set(key, r);
    return;
  }
  o.decided += r.decided;
  o.returns += r.returns;
  o.firstReturns += r.firstReturns;
  o.secondReturns += r.secondReturns;
  o.firstCreatedAt = minOf(o.firstCreatedAt, r.firstCreatedAt);
  o.firstHandoffId = Math.min(o.firstHandoffId, r.firstHandoffId);
}


/** The events that are quality events (qualityKindOf), in SQL. */
function qualityFilter(events: Database['schema']['events']): SQL {
  return or(inArray(events.type, ['accepted', 'rejected', 'resubmitted']), and(eq(events.type, 'reassigned'), eq(events.fromState, 'open'))) as SQL;
}

interface HistoryRow {
  handoffId: number;
  eventId: number;
  typeKey: string;
  fromTeam: string | null;
  toTeam: string;
  typeVersion: string | null;
  createdAt: number;
  type: string;
  fromState: string | null;
  at: number;
  data: string | Record<string, unknown> | null;
}

function eventsOf(rows: readonly HistoryRow[]): QualityEvent[] {
  const out: QualityEvent[] = [];
  for (const r of rows) {
    const kind = qualityKindOf(r.type, r.fromState);
    if (!kind) continue;
    const data = kind === 'returned' ? parseData(r.data) : null;
    const flags = data ? returnFlagsOf(data) : null;
    out.push({
      eventId: r.eventId,
      handoffId: r.handoffId,
      typeKey: r.typeKey,
      fromTeam: r.fromTeam,
      toTeam: r.toTeam,
      typeVersion: r.typeVersion,
      createdAt: r.createdAt,
      kind,
      at: r.at,
      flaggedFields: flags ? flags.flaggedFields : NO_FLAGS,
      somethingElse: flags ? flags.somethingElse : false,
      reason: data && typeof data.reason === 'string' ? data.reason : null,
    });
  }
  return out;
}

/** Events in handoff order, split per handoff. */
function groupByHandoff(events: readonly QualityEvent[]): QualityEvent[][] {
  const out: QualityEvent[][] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (last && last[0].handoffId === e.handoffId) last.push(e);
    else out.push([e]);
  }
  return out;
}

interface ScopedTable {
  readonly toTeam: Column;
  readonly fromTeam: Column;
  readonly typeKey: Column;
}

/**
 * Runs a query once per part of the scope and joins the rows: a team's rows are those it receives,
 * then those it sends to another team. Two index ranges read apart cost half of one query with an
 * OR, which SQLite reads as a union of row ids (and an OR keeps it from a partial index).
 */
async function eachPart<R>(scope: QualityScope, table: ScopedTable, query: (part: SQL) => PromiseLike<R[]>): Promise<R[]> {
  if ('type' in scope) return query(eq(table.typeKey, scope.type));
  const teams = 'team' in scope ? [scope.team] : [...scope.teams];
  if (teams.length === 0) return [];
  return [...(await query(inArray(table.toTeam, teams))), ...(await query(and(inArray(table.fromTeam, teams), notInArray(table.toTeam, teams)) as SQL))];
}

/** An event's data: JSON text on SQLite, already an object (jsonb) on Postgres. */
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

