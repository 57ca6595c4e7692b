import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { homeLane, type Notification } from '../domain/notifications.js';
import type { Database, Statement, Tx } from './database.js';
import type { HandoffRow } from './schema.js';

/** The queries behind the App Home tab, and the queue of Home refreshes. */
export class HomeRepo {
  // Prepared once (per length of their IN list): queueRefresh runs inside every change of a handoff.
  private readonly statements = new Map<string, Statement<unknown>>();
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
   * Two reads for all of them, not one per person: the viewers among them (primary key), then, only
   * if there are any, their Home lanes (`home:<user>`) in the unsent-lane index. Apart, not as one
   * NOT EXISTS, so Postgres never plans a scan of the whole outbox for it: inside a SERIALIZABLE
   * change a scan of the outbox is a read every other change's outbox insert conflicts with.
   */
  async queueRefresh(_tx: Tx, userIds: readonly string[], createdAt: Date, dueAt: Date): Promise<void> {
    // The prepared statements run inside the caller's transaction `_tx` (Database.prepare).
    const people = [...new Set(userIds)];
    for (let i = 0; i < people.length; i += CHUNK) {
      const chunk = people.slice(i, i + CHUNK);
      const viewers = (await this.viewersAmong(chunk.length).execute(placeholders(chunk))).map((r) => r.userId);
      if (viewers.length === 0) continue;
      const lanes = viewers.map(homeLane);
      const waiting = new Set((await this.waitingIn(lanes.length).execute(placeholders(lanes))).map((r) => r.lane));
      for (const userId of viewers) {
        const n: Notification = { type: 'home', userId };
        if (!waiting.has(homeLane(userId))) await this.refreshStatement.execute({ lane: homeLane(userId), payload: n, createdAt, dueAt });
      }
    }
  }

  /** Which of `size` people (placeholders v0, v1 …) have opened the Home tab, in user id order. */
  private viewersAmong(size: number): Statement<Array<{ userId: string }>> {
    return this.cached(`viewers:${size}`, () => {
      const { homeViewers } = this.database.schema;
      return this.database.prepare((db) =>
        db.select({ userId: homeViewers.userId }).from(homeViewers).where(inArray(homeViewers.userId, ids(size))).orderBy(asc(homeViewers.userId)).prepare(),
      );
    }) as Statement<Array<{ userId: string }>>;
  }

  /** Which of `size` lanes (placeholders v0, v1 …) hold a Home refresh that waits (unsent, not taken). */
  private waitingIn(size: number): Statement<Array<{ lane: string | null }>> {
    return this.cached(`waiting:${size}`, () => {
      const { outbox } = this.database.schema;
      return this.database.prepare((db) =>
        db.select({ lane: outbox.lane }).from(outbox).where(and(inArray(outbox.lane, ids(size)), isNull(outbox.sentAt), isNull(outbox.leaseUntil))).prepare(),
      );
    }) as Statement<Array<{ lane: string | null }>>;
  }

  private cached(key: string, build: () => Statement<unknown>): Statement<unknown> {
    let statement = this.statements.get(key);
    if (!statement) {
      statement = build();
      this.statements.set(key, statement);
    }
    return statement;
  }
}

/** Placeholders v0 … v(size-1), for an IN list prepared once per length. */
function ids(size: number) {
  return Array.from({ length: size }, (_, j) => sql.placeholder(`v${j}`));
}

function placeholders(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((v, j) => [`v${j}`, v]));
}

/** People per read of queueRefresh: a change's audience (requester, owners, a team) is far smaller. */
const CHUNK = 50;
