import { and, eq, inArray, isNotNull, lte, max, sql } from 'drizzle-orm';
import type { HandoffState } from '../domain/lifecycle.js';
import type { Database, RawStatement, Tx } from './database.js';
import type { EventRow } from './schema.js';

/** An open handoff whose offer ran out: what taking it back and choosing the next member look at. */
export interface DueOffer {
  readonly id: number;
  readonly typeKey: string;
  readonly state: HandoffState;
  readonly requesterId: string;
  readonly ownerId: string;
  readonly version: number;
  readonly offeredTo: string | null;
  readonly offerExpiresAt: Date | null;
  readonly offersExhaustedAt: Date | null;
}

/** Where the next page of due offers starts (they are read oldest first). */
export interface DueOfferCursor {
  readonly expiresAt: Date;
  readonly id: number;
}

/** The part of an event that says who was offered a handoff in its current queue cycle. */
export type OfferHistoryEntry = Pick<EventRow, 'type' | 'fromState' | 'toState' | 'data'>;

/** Ids per IN list: far below SQLite's bound-parameter limit, and a Postgres query of sane size. */
const CHUNK = 500;
/** The IN-list sizes of `listOfferHistory`'s statements (the last one holds a whole CHUNK). */
const HISTORY_SLOTS = [8, 32, 128, 512] as const;

/**
 * The due offers, oldest first: `state = 'open'` and `offer_expires_at IS NOT NULL` as written, so
 * the partial index handoffs_open_offers_idx serves it without a sort. Parameters: now, then with
 * `after` the cursor's time three times and its id, then the limit.
 */
function dueOffersText(database: Database, after: boolean): string {
  const p = (i: number) => database.param(i);
  // The `>=` adds nothing to the result: it starts the index range at the cursor, so a later page
  // does not step over the entries of the pages before it.
  const later = after ? ` and "offer_expires_at" >= ${p(1)} and ("offer_expires_at" > ${p(2)} or ("offer_expires_at" = ${p(3)} and "id" > ${p(4)}))` : '';
  return (
    'select "id", "type_key", "state", "requester_id", "owner_id", "version", "offered_to", "offer_expires_at", "offers_exhausted_at" from "handoffs" ' +
    `where "state" = 'open' and "offer_expires_at" is not null and "offer_expires_at" <= ${p(0)}${later} order by "offer_expires_at", "id" limit ${p(after ? 5 : 1)}`
  );
}

/** The offers and cycle starts of `slots` handoffs (ids as parameters), per handoff in event order. */
function offerHistoryText(database: Database, slots: number): string {
  const ids = Array.from({ length: slots }, (_, i) => database.param(i)).join(', ');
  return (
    `select "handoff_id", "type", "from_state", "to_state", "data" from "events" where "handoff_id" in (${ids}) ` +
    `and ("type" = 'offered' or ("to_state" = 'open' and ("from_state" is null or "from_state" <> 'open'))) order by "handoff_id", "id"`
  );
}

/** The reads and writes behind offering handoffs to one person at a time. */
export class RoutingRepo {
  /** Raw statements of the nudge job's reads, by kind and size. */
  private readonly statements = new Map<string, RawStatement>();

  constructor(private readonly database: Database) {}

  /** Types of the open handoffs whose offer ran out by `now`: whose routes a pass prepares. */
  async listDueOfferTypes(now: Date): Promise<string[]> {
    const { handoffs } = this.database.schema;
    const rows = await this.database.db
      .selectDistinct({ typeKey: handoffs.typeKey })
      .from(handoffs)
      .where(and(isNotNull(handoffs.offerExpiresAt), lte(handoffs.offerExpiresAt, now), eq(handoffs.state, 'open')));
    return rows.map((r) => r.typeKey);
  }

  /** Up to `limit` open handoffs whose offer ran out by `now`, oldest first, after `after`; read in the caller's transaction. */
  async listDueOffers(now: Date, limit: number, after?: DueOfferCursor): Promise<DueOffer[]> {
    const { handoffs } = this.database.schema;
    const at = (d: Date) => handoffs.offerExpiresAt.mapToDriverValue(d);
    const params = after ? [at(now), at(after.expiresAt), at(after.expiresAt), at(after.expiresAt), after.id, limit] : [at(now), limit];
    const rows = await this.statement(after ? 'due:after' : 'due', () => dueOffersText(this.database, Boolean(after))).execute(params);
    const date = (v: unknown) => (v === null ? null : (handoffs.offerExpiresAt.mapFromDriverValue(v) as Date));
    return rows.map(([id, typeKey, state, requesterId, ownerId, version, offeredTo, offerExpiresAt, offersExhaustedAt]) => ({
      id: id as number,
      typeKey: typeKey as string,
      state: state as HandoffState,
      requesterId: requesterId as string,
      ownerId: ownerId as string,
      version: version as number,
      offeredTo: offeredTo as string | null,
      offerExpiresAt: date(offerExpiresAt),
      offersExhaustedAt: date(offersExhaustedAt),
    }));
  }

  /**
   * Per handoff, oldest first, the events `triedInCycle` reads: the offers, and the events that put
   * it (back) in the team queue. The rest of the history cannot change who was tried, so it is not read.
   */
  async listOfferHistory(handoffIds: readonly number[]): Promise<Map<number, OfferHistoryEntry[]>> {
    const { events } = this.database.schema;
    const map = new Map<number, OfferHistoryEntry[]>();
    for (let i = 0; i < handoffIds.length; i += CHUNK) {
      const page = handoffIds.slice(i, i + CHUNK);
      // Padded with its last id up to one of a few list sizes (a repeated id adds no row), so a few statements serve every page.
      const slots = HISTORY_SLOTS.find((n) => n >= page.length) ?? page.length;
      const ids = Array.from({ length: slots }, (_, k) => page[Math.min(k, page.length - 1)]);
      const rows = await this.statement(`history:${slots}`, () => offerHistoryText(this.database, slots)).execute(ids);
      for (const [handoffId, type, fromState, toState, data] of rows) {
        const e: OfferHistoryEntry = {
          type: type as OfferHistoryEntry['type'],
          fromState: fromState as OfferHistoryEntry['fromState'],
          toState: toState as OfferHistoryEntry['toState'],
          data: events.data.mapFromDriverValue(data) as Record<string, unknown>,
        };
        const list = map.get(handoffId as number);
        if (list) list.push(e);
        else map.set(handoffId as number, [e]);
      }
    }
    return map;
  }

  /** The raw statement of `key`, its text made the first time: the nudge job reads with these per chunk of due offers. */
  private statement(key: string, text: () => string): RawStatement {
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.database.prepareRaw(text());
      this.statements.set(key, statement);
    }
    return statement;
  }

  /** How many open and accepted handoffs each person owns (people owning none are absent). */
  async ownedActiveCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const { handoffs } = this.database.schema;
    const rows = await this.database.db
      .select({ userId: handoffs.ownerId, count: sql<number>`count(*)` })
      .from(handoffs)
      .where(and(inArray(handoffs.ownerId, [...userIds]), inArray(handoffs.state, ['open', 'accepted'])))
      .groupBy(handoffs.ownerId);
    return new Map(rows.map((r) => [r.userId, Number(r.count)]));
  }

  /** When each person last accepted a handoff (people who never did are absent). */
  async lastAcceptedAt(userIds: readonly string[]): Promise<Map<string, Date>> {
    if (userIds.length === 0) return new Map();
    const { events } = this.database.schema;
    const rows = await this.database.db
      .select({ userId: events.actorId, at: max(events.at) })
      .from(events)
      .where(and(eq(events.type, 'accepted'), inArray(events.actorId, [...userIds])))
      .groupBy(events.actorId);
    const map = new Map<string, Date>();
    for (const r of rows) if (r.at) map.set(r.userId, r.at instanceof Date ? r.at : new Date(Number(r.at)));
    return map;
  }

  /** Who the team's last round-robin offer went to. */
  async lastTurn(teamKey: string): Promise<string | null> {
    const { routingTurns } = this.database.schema;
    return (await this.database.db.select({ userId: routingTurns.userId }).from(routingTurns).where(eq(routingTurns.teamKey, teamKey)).limit(1))[0]?.userId ?? null;
  }

  /** Who each of these teams' last round-robin offer went to (teams never offered are absent). */
  async lastTurns(teamKeys: readonly string[]): Promise<Map<string, string>> {
    if (teamKeys.length === 0) return new Map();
    // Read per chunk of due offers: a statement per number of teams, made once.
    const rows = await this.statement(`turns:${teamKeys.length}`, () => {
      const keys = teamKeys.map((_, i) => this.database.param(i)).join(', ');
      return `select "team_key", "user_id" from "routing_turns" where "team_key" in (${keys})`;
    }).execute(teamKeys);
    return new Map(rows.map(([teamKey, userId]) => [teamKey as string, userId as string]));
  }

  /** `setTurn` for several teams in one statement. */
  async setTurns(_tx: Tx, turns: ReadonlyMap<string, string>, at: Date): Promise<void> {
    if (turns.size === 0) return;
    const { routingTurns } = this.database.schema;
    const when = routingTurns.at.mapToDriverValue(at);
    const params: unknown[] = [];
    for (const [teamKey, userId] of turns) params.push(teamKey, userId, when);
    // Written per chunk of due offers: a statement per number of teams, made once. `excluded` names
    // the proposed row in both SQLite's and Postgres' upsert.
    await this.statement(`set-turns:${turns.size}`, () => {
      const p = (i: number) => this.database.param(i);
      const rows = Array.from({ length: turns.size }, (_, i) => `(${p(3 * i)}, ${p(3 * i + 1)}, ${p(3 * i + 2)})`).join(', ');
      return `insert into "routing_turns" ("team_key", "user_id", "at") values ${rows} on conflict ("team_key") do update set "user_id" = excluded."user_id", "at" = excluded."at"`;
    }).execute(params);
  }

  async setTurn(tx: Tx, teamKey: string, userId: string, at: Date): Promise<void> {
    const { routingTurns } = this.database.schema;
    await tx.insert(routingTurns).values({ teamKey, userId, at }).onConflictDoUpdate({ target: routingTurns.teamKey, set: { userId, at } });
  }
}
