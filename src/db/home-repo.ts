import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { laneOf, type Notification } from '../domain/notifications.js';
import type { Db, Tx } from './open-db.js';
import { type HandoffRow, handoffs, homeViewers, outbox } from './schema.js';

/** The queries behind the App Home tab, and the queue of Home refreshes. */
export class HomeRepo {
  // Prepared once: queueRefresh runs inside every change of a handoff.
  private readonly viewerStatement;
  private readonly waitingStatement;
  private readonly refreshStatement;

  constructor(private readonly db: Db) {
    const p = sql.placeholder;
    this.viewerStatement = db.select({ userId: homeViewers.userId }).from(homeViewers).where(eq(homeViewers.userId, p('userId'))).prepare();
    this.waitingStatement = db
      .select({ userId: sql<string>`json_extract(${outbox.payload}, '$.userId')` })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), isNull(outbox.leaseUntil), eq(outbox.kind, 'home')))
      .prepare();
    this.refreshStatement = db
      .insert(outbox)
      .values({ handoffId: null, kind: 'home', lane: p('lane'), payload: p('payload'), createdAt: p('createdAt'), nextAttemptAt: p('dueAt') })
      .prepare();
  }

  recordOpened(userId: string, at: Date): void {
    this.db.insert(homeViewers).values({ userId, openedAt: at }).onConflictDoUpdate({ target: homeViewers.userId, set: { openedAt: at } }).run();
  }

  /** OPEN handoffs of these teams, oldest first. */
  openQueue(teamKeys: readonly string[], limit: number): HandoffRow[] {
    if (teamKeys.length === 0) return [];
    return this.db
      .select()
      .from(handoffs)
      .where(and(eq(handoffs.state, 'open'), inArray(handoffs.toTeam, [...teamKeys])))
      .orderBy(asc(handoffs.createdAt), asc(handoffs.id))
      .limit(limit)
      .all();
  }

  /** Everyone who owns an accepted handoff of these teams. */
  acceptedOwners(teamKeys: readonly string[]): string[] {
    if (teamKeys.length === 0) return [];
    return this.db
      .selectDistinct({ ownerId: handoffs.ownerId })
      .from(handoffs)
      .where(and(eq(handoffs.state, 'accepted'), inArray(handoffs.toTeam, [...teamKeys])))
      .all()
      .map((r) => r.ownerId);
  }

  /** Accepted handoffs of these teams owned by these people, oldest first. */
  acceptedOwnedBy(teamKeys: readonly string[], ownerIds: readonly string[], limit: number): HandoffRow[] {
    if (teamKeys.length === 0 || ownerIds.length === 0) return [];
    return this.db
      .select()
      .from(handoffs)
      .where(and(eq(handoffs.state, 'accepted'), inArray(handoffs.toTeam, [...teamKeys]), inArray(handoffs.ownerId, [...ownerIds])))
      .orderBy(asc(handoffs.createdAt), asc(handoffs.id))
      .limit(limit)
      .all();
  }

  countOpen(teamKeys: readonly string[]): number {
    if (teamKeys.length === 0) return 0;
    return this.db.select({ n: count() }).from(handoffs).where(and(eq(handoffs.state, 'open'), inArray(handoffs.toTeam, [...teamKeys]))).get()?.n ?? 0;
  }

  /**
   * Queues a Home refresh, due at `dueAt`, for each of these people who has opened the Home tab and
   * has no refresh waiting yet: a burst of changes within the delay costs one views.publish. A
   * refresh already taken by a dispatcher (leased) does not count as waiting, since it may have
   * rendered before this change.
   */
  queueRefresh(_tx: Tx, userIds: readonly string[], createdAt: Date, dueAt: Date): void {
    // The prepared statements run on the one connection, so inside the caller's transaction `_tx`.
    const viewers = [...new Set(userIds)].filter((userId) => this.viewerStatement.get({ userId }));
    if (viewers.length === 0) return;
    const waiting = new Set(this.waitingStatement.all().map((r) => r.userId));
    for (const userId of viewers) {
      if (waiting.has(userId)) continue;
      const n: Notification = { type: 'home', userId };
      this.refreshStatement.run({ lane: laneOf(n), payload: n, createdAt, dueAt });
    }
  }
}
