import { and, asc, eq, inArray, isNotNull, lte, max, sql } from 'drizzle-orm';
import type { Db, Tx } from './open-db.js';
import { events, handoffs, routingTurns } from './schema.js';

/** The reads and writes behind offering handoffs to one person at a time. */
export class RoutingRepo {
  constructor(private readonly db: Db) {}

  /** Open handoffs whose offer ran out by `now`, oldest first. */
  listExpiredOffers(now: Date, limit: number): number[] {
    return this.db
      .select({ id: handoffs.id })
      .from(handoffs)
      .where(and(isNotNull(handoffs.offerExpiresAt), lte(handoffs.offerExpiresAt, now), eq(handoffs.state, 'open')))
      .orderBy(asc(handoffs.offerExpiresAt), asc(handoffs.id))
      .limit(limit)
      .all()
      .map((r) => r.id);
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

  setTurn(tx: Tx, teamKey: string, userId: string, at: Date): void {
    tx.insert(routingTurns).values({ teamKey, userId, at }).onConflictDoUpdate({ target: routingTurns.teamKey, set: { userId, at } }).run();
  }
}
