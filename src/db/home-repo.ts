import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { HOME_LANE_PREFIX, laneOf, type Notification } from '../domain/notifications.js';
import type { Database, Statement, Tx } from './database.js';
import type { HandoffRow } from './schema.js';

/** The queries behind the App Home tab, and the queue of Home refreshes. */
export class HomeRepo {
  // Prepared once (per number of people): queueRefresh runs inside every change of a handoff.
  private readonly dueStatements = new Map<number, Statement<Array<{ userId: string }>>>();
  private readonly refreshStatement;

  constructor(private readonly database: Database) {
    const p = sql.placeholder;
    const { outbox } = database.schema;
    this.refreshStatement = database.prepare((db) =>
      db
      .insert(outbox)
      .values({ handoffId: null, kind: 'home', lane: p('lane'), payload: p('payload'), createdAt: p('createdAt'), nextAttemptAt: p('dueAt') })
      .prepare(),
    );
  }

  async recordOpened(userId: string, at: Date): Promise<void> {
    const { homeViewers } = this.database.schema;
    await this.database.atomic((db) => db.insert(homeViewers).values({ userId, openedAt: at }).onConflictDoUpdate({ target: homeViewers.userId, set: { openedAt: at } }));
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
   *
   * One read for all of them (it was one per person, then one over every unsent Home refresh): the
   * viewers among them whose Home lane (`home:<user>`) holds no waiting entry, found through the
   * unsent-lane index. On Postgres that keeps the SERIALIZABLE read set of a change to those lanes
   * rather than the whole outbox, which every change writes to.
   */
  async queueRefresh(_tx: Tx, userIds: readonly string[], createdAt: Date, dueAt: Date): Promise<void> {
    // The prepared statements run inside the caller's transaction `_tx` (Database.prepare).
    const people = [...new Set(userIds)];
    for (let i = 0; i < people.length; i += DUE_CHUNK) {
      const chunk = people.slice(i, i + DUE_CHUNK);
      const due = await this.dueStatement(chunk.length).execute(Object.fromEntries(chunk.map((userId, j) => [`u${j}`, userId])));
      for (const { userId } of due) {
        const n: Notification = { type: 'home', userId };
        await this.refreshStatement.execute({ lane: laneOf(n), payload: n, createdAt, dueAt });
      }
    }
  }

  /** Of `size` people (placeholders u0, u1 …), those who have opened Home and have no refresh waiting, in the order asked. */
  private dueStatement(size: number): Statement<Array<{ userId: string }>> {
    let statement = this.dueStatements.get(size);
    if (!statement) {
      const { homeViewers } = this.database.schema;
      const ids = Array.from({ length: size }, (_, j) => sql.placeholder(`u${j}`));
      // The lane written as laneOf writes it, so the lookup is one range of outbox_lane_idx.
      const waiting = sql`SELECT 1 FROM outbox waiting WHERE waiting.lane = ${HOME_LANE_PREFIX} || ${homeViewers.userId} AND waiting.sent_at IS NULL AND waiting.lease_until IS NULL`;
      statement = this.database.prepare((db) =>
        db
          .select({ userId: homeViewers.userId })
          .from(homeViewers)
          .where(and(inArray(homeViewers.userId, ids), sql`NOT EXISTS (${waiting})`))
          .orderBy(asc(homeViewers.userId))
          .prepare(),
      );
      this.dueStatements.set(size, statement);
    }
    return statement;
  }
}

/** People per read of queueRefresh: a change's audience (requester, owners, a team) is far smaller. */
const DUE_CHUNK = 50;
