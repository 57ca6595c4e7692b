import { and, asc, eq, inArray, isNotNull, lte, max, sql } from 'drizzle-orm';
import type { Database, Tx } from './database.js';

/** The reads and writes behind offering handoffs to one person at a time. */
export class RoutingRepo {
  constructor(private readonly database: Database) {}

  /** Open handoffs whose offer ran out by `now`, oldest first. */
  async listExpiredOffers(now: Date, limit: number): Promise<number[]> {
    const { handoffs } = this.database.schema;
    const rows = await this.database.db
      .select({ id: handoffs.id })
      .from(handoffs)
      .where(and(isNotNull(handoffs.offerExpiresAt), lte(handoffs.offerExpiresAt, now), eq(handoffs.state, 'open')))
      .orderBy(asc(handoffs.offerExpiresAt), asc(handoffs.id))
      .limit(limit);
    return rows.map((r) => r.id);
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

  async setTurn(tx: Tx, teamKey: string, userId: string, at: Date): Promise<void> {
    const { routingTurns } = this.database.schema;
    await tx.insert(routingTurns).values({ teamKey, userId, at }).onConflictDoUpdate({ target: routingTurns.teamKey, set: { userId, at } });
  }
}
