import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { laneOf, type Notification } from '../domain/notifications.js';
import type { Database, Tx } from './database.js';
import type { HandoffRow } from './schema.js';

/** The queries behind the App Home tab, and the queue of Home refreshes. */
export class HomeRepo {
  // Prepared once: queueRefresh runs inside every change of a handoff.
  private readonly viewerStatement;
  private readonly waitingStatement;
  private readonly refreshStatement;

  constructor(private readonly database: Database) {
    const p = sql.placeholder;
    const { homeViewers, outbox } = database.schema;
    this.viewerStatement = database.prepare((db) => db.select({ userId: homeViewers.userId }).from(homeViewers).where(eq(homeViewers.userId, p('userId'))).limit(1).prepare());
    this.waitingStatement = database.prepare((db) =>
      db
      .select({ userId: sql<string>`${database.jsonText(outbox.payload, 'userId')}` })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), isNull(outbox.leaseUntil), eq(outbox.kind, 'home')))
      .prepare(),
    );
    this.refreshStatement = database.prepare((db) =>
      db
      .insert(outbox)
      .values({ handoffId: null, kind: 'home', lane: p('lane'), payload: p('payload'), createdAt: p('createdAt'), nextAttemptAt: p('dueAt') })
      .prepare(),
    );
  }

  async recordOpened(userId: string, at: Date): Promise<void> {
    const { homeViewers } = this.database.schema;
    await this.database.transaction(async (tx) => {
      await tx.insert(homeViewers).values({ userId, openedAt: at }).onConflictDoUpdate({ target: homeViewers.userId, set: { openedAt: at } });
    });
  }

  /** OPEN handoffs of these teams, oldest first. */
  async openQueue(teamKeys: readonly string[], limit: number): Promise<HandoffRow[]> {
    if (teamKeys.length === 0) return [];
    const { handoffs } = this.database.schema;
    return this.database.db
      .select()
      .from(handoffs)
      .where(and(eq(handoffs.state, 'open'), inArray(handoffs.toTeam, [...teamKeys])))
      .orderBy(asc(handoffs.createdAt), asc(handoffs.id))
      .limit(limit);
  }

  /** Everyone who owns an accepted handoff of these teams. */
  async acceptedOwners(teamKeys: readonly string[]): Promise<string[]> {
    if (teamKeys.length === 0) return [];
    const { handoffs } = this.database.schema;
    const rows = await this.database.db
      .selectDistinct({ ownerId: handoffs.ownerId })
      .from(handoffs)
      .where(and(eq(handoffs.state, 'accepted'), inArray(handoffs.toTeam, [...teamKeys])));
    return rows.map((r) => r.ownerId);
  }

  /** Accepted handoffs of these teams owned by these people, oldest first. */
  async acceptedOwnedBy(teamKeys: readonly string[], ownerIds: readonly string[], limit: number): Promise<HandoffRow[]> {
    if (teamKeys.length === 0 || ownerIds.length === 0) return [];
    const { handoffs } = this.database.schema;
    return this.database.db
      .select()
      .from(handoffs)
      .where(and(eq(handoffs.state, 'accepted'), inArray(handoffs.toTeam, [...teamKeys]), inArray(handoffs.ownerId, [...ownerIds])))
      .orderBy(asc(handoffs.createdAt), asc(handoffs.id))
      .limit(limit);
  }

  async countOpen(teamKeys: readonly string[]): Promise<number> {
    if (teamKeys.length === 0) return 0;
    const { handoffs } = this.database.schema;
    const [row] = await this.database.db.select({ n: count() }).from(handoffs).where(and(eq(handoffs.state, 'open'), inArray(handoffs.toTeam, [...teamKeys])));
    return Number(row?.n ?? 0);
  }

  /**
   * Queues a Home refresh, due at `dueAt`, for each of these people who has opened the Home tab and
   * has no refresh waiting yet: a burst of changes within the delay costs one views.publish. A
   * refresh already taken by a dispatcher (leased) does not count as waiting, since it may have
   * rendered before this change.
   */
  async queueRefresh(_tx: Tx, userIds: readonly string[], createdAt: Date, dueAt: Date): Promise<void> {
    // The prepared statements run inside the caller's transaction `_tx` (Database.prepare).
    const viewers: string[] = [];
    for (const userId of new Set(userIds)) if ((await this.viewerStatement.execute({ userId })).length > 0) viewers.push(userId);
    if (viewers.length === 0) return;
    const waiting = new Set((await this.waitingStatement.execute()).map((r) => r.userId));
    for (const userId of viewers) {
      if (waiting.has(userId)) continue;
      const n: Notification = { type: 'home', userId };
      await this.refreshStatement.execute({ lane: laneOf(n), payload: n, createdAt, dueAt });
    }
  }
}
