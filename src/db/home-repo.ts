import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { laneOf, type Notification } from '../domain/notifications';
import type { Db, Tx } from './open-db';
import { type HandoffRow, handoffs, homeViewers, outbox } from './schema';

const CHUNK = 500;

/** The queries behind the App Home tab, and the queue of Home refreshes. */
export class HomeRepo {
  constructor(private readonly db: Db) {}

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
  queueRefresh(tx: Tx, userIds: readonly string[], createdAt: Date, dueAt: Date): void {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return;
    const viewers = new Set<string>();
    for (let i = 0; i < unique.length; i += CHUNK)
      for (const r of tx.select({ userId: homeViewers.userId }).from(homeViewers).where(inArray(homeViewers.userId, unique.slice(i, i + CHUNK))).all()) viewers.add(r.userId);
    if (viewers.size === 0) return;
    const waiting = new Set(
      tx
        .select({ userId: sql<string>`json_extract(${outbox.payload}, '$.userId')` })
        .from(outbox)
        .where(and(isNull(outbox.sentAt), isNull(outbox.leaseUntil), eq(outbox.kind, 'home')))
        .all()
        .map((r) => r.userId),
    );
    const rows = unique
      .filter((u) => viewers.has(u) && !waiting.has(u))
      .map((userId) => {
        const n: Notification = { type: 'home', userId };
        return { handoffId: null, kind: n.type, lane: laneOf(n), payload: n as unknown as Record<string, unknown>, createdAt, nextAttemptAt: dueAt };
      });
    if (rows.length > 0) tx.insert(outbox).values(rows).run();
  }
}
