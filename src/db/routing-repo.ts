import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, max, ne, or, sql } from 'drizzle-orm';
import type { HandoffState } from '../domain/lifecycle.js';
import type { Db, DbOrTx, Tx } from './open-db.js';
import { type EventRow, events, handoffs, routingTurns } from './schema.js';

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
  constructor(private readonly db: Db) {}

  /** Types of the open handoffs whose offer ran out by `now`: whose routes a pass prepares. */
  listDueOfferTypes(now: Date): string[] {
    return this.db
      .selectDistinct({ typeKey: handoffs.typeKey })
      .from(handoffs)
      .where(and(isNotNull(handoffs.offerExpiresAt), lte(handoffs.offerExpiresAt, now), eq(handoffs.state, 'open')))
      .all()
      .map((r) => r.typeKey);
  }

  /** Up to `limit` open handoffs whose offer ran out by `now`, oldest first, after `after`. */
  listDueOffers(tx: DbOrTx, now: Date, limit: number, after?: DueOfferCursor): DueOffer[] {
    const due = and(isNotNull(handoffs.offerExpiresAt), lte(handoffs.offerExpiresAt, now), eq(handoffs.state, 'open'));
    const later = after
      ? or(gt(handoffs.offerExpiresAt, after.expiresAt), and(eq(handoffs.offerExpiresAt, after.expiresAt), gt(handoffs.id, after.id)))
      : undefined;
    return tx
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
      .limit(limit)
      .all();
  }

  /**
   * Per handoff, oldest first, the events `triedInCycle` reads: the offers, and the events that put
   * it (back) in the team queue. The rest of the history cannot change who was tried, so it is not read.
   */
  listOfferHistory(tx: DbOrTx, handoffIds: readonly number[]): Map<number, OfferHistoryEntry[]> {
    const map = new Map<number, OfferHistoryEntry[]>();
    for (let i = 0; i < handoffIds.length; i += CHUNK) {
      const rows = tx
        .select({ handoffId: events.handoffId, type: events.type, fromState: events.fromState, toState: events.toState, data: events.data })
        .from(events)
        .where(
          and(
            inArray(events.handoffId, handoffIds.slice(i, i + CHUNK)),
            or(eq(events.type, 'offered'), and(eq(events.toState, 'open'), or(isNull(events.fromState), ne(events.fromState, 'open')))),
          ),
        )
        .orderBy(asc(events.handoffId), asc(events.id))
        .all();
      for (const { handoffId, ...e } of rows) {
        const list = map.get(handoffId);
        if (list) list.push(e);
        else map.set(handoffId, [e]);
      }
    }
    return map;
  }

  /** How many open and accepted handoffs each person owns (people owning none are absent). */
  ownedActiveCounts(userIds: readonly string[]): Map<string, number> {
    if (userIds.length === 0) return new Map();
    const rows = this.db
      .select({ userId: handoffs.ownerId, count: sql<number>`count(*)` })
      .from(handoffs)
      .where(and(inArray(handoffs.ownerId, [...userIds]), inArray(handoffs.state, ['open', 'accepted'])))
      .groupBy(handoffs.ownerId)
      .all();
    return new Map(rows.map((r) => [r.userId, Number(r.count)]));
  }

  /** When each person last accepted a handoff (people who never did are absent). */
  lastAcceptedAt(userIds: readonly string[]): Map<string, Date> {
    if (userIds.length === 0) return new Map();
    const rows = this.db
      .select({ userId: events.actorId, at: max(events.at) })
      .from(events)
      .where(and(eq(events.type, 'accepted'), inArray(events.actorId, [...userIds])))
      .groupBy(events.actorId)
      .all();
    const map = new Map<string, Date>();
    for (const r of rows) if (r.at) map.set(r.userId, r.at instanceof Date ? r.at : new Date(Number(r.at)));
    return map;
  }

  /** Who the team's last round-robin offer went to. */
  lastTurn(teamKey: string): string | null {
    return this.db.select({ userId: routingTurns.userId }).from(routingTurns).where(eq(routingTurns.teamKey, teamKey)).get()?.userId ?? null;
  }

  /** Who each of these teams' last round-robin offer went to (teams never offered are absent). */
  lastTurns(tx: DbOrTx, teamKeys: readonly string[]): Map<string, string> {
    if (teamKeys.length === 0) return new Map();
    const rows = tx.select({ teamKey: routingTurns.teamKey, userId: routingTurns.userId }).from(routingTurns).where(inArray(routingTurns.teamKey, [...teamKeys])).all();
    return new Map(rows.map((r) => [r.teamKey, r.userId]));
  }

  /** `setTurn` for several teams in one statement. */
  setTurns(tx: Tx, turns: ReadonlyMap<string, string>, at: Date): void {
    if (turns.size === 0) return;
    tx.insert(routingTurns)
      .values([...turns].map(([teamKey, userId]) => ({ teamKey, userId, at })))
      .onConflictDoUpdate({ target: routingTurns.teamKey, set: { userId: sql`excluded.user_id`, at: sql`excluded.at` } })
      .run();
  }

  setTurn(tx: Tx, teamKey: string, userId: string, at: Date): void {
    tx.insert(routingTurns).values({ teamKey, userId, at }).onConflictDoUpdate({ target: routingTurns.teamKey, set: { userId, at } }).run();
  }
}
