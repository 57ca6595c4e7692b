import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, lte, max, ne, or, sql } from 'drizzle-orm';
import type { HandoffState } from '../domain/lifecycle.js';
import type { Database, Tx } from './database.js';
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

/** The reads and writes behind offering handoffs to one person at a time. */
export class RoutingRepo {
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
    const due = and(isNotNull(handoffs.offerExpiresAt), lte(handoffs.offerExpiresAt, now), eq(handoffs.state, 'open'));
    // The `>=` adds nothing to the result: it starts the index range at the cursor, so a later page
    // does not step over the entries of the pages before it.
    const later = after
      ? and(gte(handoffs.offerExpiresAt, after.expiresAt), or(gt(handoffs.offerExpiresAt, after.expiresAt), and(eq(handoffs.offerExpiresAt, after.expiresAt), gt(handoffs.id, after.id))))
      : undefined;
    return this.database.db
      .select({
        id: handoffs.id,
        typeKey: handoffs.typeKey,
        state: handoffs.state,
        requesterId: handoffs.requesterId,
        ownerId: handoffs.ownerId,
        version: handoffs.version,
        offeredTo: handoffs.offeredTo,
        offerExpiresAt: handoffs.offerExpiresAt,
        offersExhaustedAt: handoffs.offersExhaustedAt,
      })
      .from(handoffs)
      .where(later ? and(due, later) : due)
      .orderBy(asc(handoffs.offerExpiresAt), asc(handoffs.id))
      .limit(limit);
  }

  /**
   * Per handoff, oldest first, the events `triedInCycle` reads: the offers, and the events that put
   * it (back) in the team queue. The rest of the history cannot change who was tried, so it is not read.
   */
  async listOfferHistory(handoffIds: readonly number[]): Promise<Map<number, OfferHistoryEntry[]>> {
    const { events } = this.database.schema;
    const map = new Map<number, OfferHistoryEntry[]>();
    for (let i = 0; i < handoffIds.length; i += CHUNK) {
      const rows = await this.database.db
        .select({ handoffId: events.handoffId, type: events.type, fromState: events.fromState, toState: events.toState, data: events.data })
        .from(events)
        .where(
          and(
            inArray(events.handoffId, handoffIds.slice(i, i + CHUNK)),
            or(eq(events.type, 'offered'), and(eq(events.toState, 'open'), or(isNull(events.fromState), ne(events.fromState, 'open')))),
          ),
        )
        .orderBy(asc(events.handoffId), asc(events.id));
      for (const { handoffId, ...e } of rows) {
        const list = map.get(handoffId);
        if (list) list.push(e);
        else map.set(handoffId, [e]);
      }
    }
    return map;
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
    const { routingTurns } = this.database.schema;
    const rows = await this.database.db.select({ teamKey: routingTurns.teamKey, userId: routingTurns.userId }).from(routingTurns).where(inArray(routingTurns.teamKey, [...teamKeys]));
    return new Map(rows.map((r) => [r.teamKey, r.userId]));
  }

  /** `setTurn` for several teams in one statement. */
  async setTurns(tx: Tx, turns: ReadonlyMap<string, string>, at: Date): Promise<void> {
    if (turns.size === 0) return;
    const { routingTurns } = this.database.schema;
    // `excluded` names the proposed row in both SQLite's and Postgres' upsert.
    await tx
      .insert(routingTurns)
      .values([...turns].map(([teamKey, userId]) => ({ teamKey, userId, at })))
      .onConflictDoUpdate({ target: routingTurns.teamKey, set: { userId: sql`excluded.user_id`, at: sql`excluded.at` } });
  }

  async setTurn(tx: Tx, teamKey: string, userId: string, at: Date): Promise<void> {
    const { routingTurns } = this.database.schema;
    await tx.insert(routingTurns).values({ teamKey, userId, at }).onConflictDoUpdate({ target: routingTurns.teamKey, set: { userId, at } });
  }
}
