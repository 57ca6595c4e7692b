import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Db } from './open-db.js';
import { awayPeople, slackStatuses } from './schema.js';

/** An absence someone declared with `/handoff away`. */
export interface ManualAway {
  readonly userId: string;
  readonly until: Date;
  readonly backupId: string | null;
}

/** A Slack status that counts as away, as last read; `until` null: until the status changes. */
export interface StatusAway {
  readonly userId: string;
  readonly until: Date | null;
}

const CHUNK = 500;

/** Who is away until when, and who covers for them. An absence whose date has passed simply no longer counts. */
export class AwayRepo {
  constructor(private readonly db: Db) {}

  set(userId: string, until: Date, backupId: string | null, at: Date): void {
    this.db
      .insert(awayPeople)
      .values({ userId, until, backupId, setAt: at })
      .onConflictDoUpdate({ target: awayPeople.userId, set: { until, backupId, setAt: at } })
      .run();
  }

  /** Ends an absence; false when there was none. */
  clear(userId: string): boolean {
    return this.db.delete(awayPeople).where(eq(awayPeople.userId, userId)).run().changes > 0;
  }

  find(userId: string, now: Date): ManualAway | null {
    const row = this.db.select().from(awayPeople).where(and(eq(awayPeople.userId, userId), gt(awayPeople.until, now))).get();
    return row ? { userId: row.userId, until: row.until, backupId: row.backupId } : null;
  }

  /** The absences among these people that last beyond `now`. */
  findMany(userIds: readonly string[], now: Date): Map<string, ManualAway> {
    const map = new Map<string, ManualAway>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = this.db
        .select()
        .from(awayPeople)
        .where(and(inArray(awayPeople.userId, userIds.slice(i, i + CHUNK)), gt(awayPeople.until, now)))
        .all();
      for (const r of rows) map.set(r.userId, { userId: r.userId, until: r.until, backupId: r.backupId });
    }
    return map;
  }

  /** Records what a person's Slack status said at `at`. */
  saveStatus(userId: string, away: { until: Date | null } | null, at: Date): void {
    const values = { away: away !== null, until: away?.until ?? null, fetchedAt: at };
    this.db
      .insert(slackStatuses)
      .values({ userId, ...values })
      .onConflictDoUpdate({ target: slackStatuses.userId, set: values })
      .run();
  }

  /** Marks a status as read at `at` without changing what it said (the read failed: try again later, not every minute). */
  touchStatus(userId: string, at: Date): void {
    this.db
      .insert(slackStatuses)
      .values({ userId, away: false, until: null, fetchedAt: at })
      .onConflictDoUpdate({ target: slackStatuses.userId, set: { fetchedAt: at } })
      .run();
  }

  /** When each of these people's status was last read; absent: never. */
  statusFetchedAt(userIds: readonly string[]): Map<string, Date> {
    const map = new Map<string, Date>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = this.db
        .select({ userId: slackStatuses.userId, fetchedAt: slackStatuses.fetchedAt })
        .from(slackStatuses)
        .where(inArray(slackStatuses.userId, userIds.slice(i, i + CHUNK)))
        .all();
      for (const r of rows) map.set(r.userId, r.fetchedAt);
    }
    return map;
  }

  /** Among these people, those whose last read status counts as away beyond `now`. */
  findStatusAway(userIds: readonly string[], now: Date): Map<string, StatusAway> {
    const map = new Map<string, StatusAway>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = this.db
        .select({ userId: slackStatuses.userId, until: slackStatuses.until })
        .from(slackStatuses)
        .where(and(inArray(slackStatuses.userId, userIds.slice(i, i + CHUNK)), eq(slackStatuses.away, true), or(isNull(slackStatuses.until), gt(slackStatuses.until, now))))
        .all();
      for (const r of rows) map.set(r.userId, { userId: r.userId, until: r.until });
    }
    return map;
  }
}
