import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Database } from './database.js';

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
  constructor(private readonly database: Database) {}

  async set(userId: string, until: Date, backupId: string | null, at: Date): Promise<void> {
    const { awayPeople } = this.database.schema;
    await this.database.atomic((db) =>
      db
        .insert(awayPeople)
        .values({ userId, until, backupId, setAt: at })
        .onConflictDoUpdate({ target: awayPeople.userId, set: { until, backupId, setAt: at } }),
    );
  }

  /** Ends an absence; false when there was none. */
  async clear(userId: string): Promise<boolean> {
    const { awayPeople } = this.database.schema;
    return this.database.atomic(async (db) => (await db.delete(awayPeople).where(eq(awayPeople.userId, userId)).returning({ userId: awayPeople.userId })).length > 0);
  }

  async find(userId: string, now: Date): Promise<ManualAway | null> {
    const { awayPeople } = this.database.schema;
    const [row] = await this.database.db.select().from(awayPeople).where(and(eq(awayPeople.userId, userId), gt(awayPeople.until, now))).limit(1);
    return row ? { userId: row.userId, until: row.until, backupId: row.backupId } : null;
  }

  /** The absences among these people that last beyond `now`. */
  async findMany(userIds: readonly string[], now: Date): Promise<Map<string, ManualAway>> {
    const { awayPeople } = this.database.schema;
    const map = new Map<string, ManualAway>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = await this.database.db
        .select()
        .from(awayPeople)
        .where(and(inArray(awayPeople.userId, userIds.slice(i, i + CHUNK)), gt(awayPeople.until, now)));
      for (const r of rows) map.set(r.userId, { userId: r.userId, until: r.until, backupId: r.backupId });
    }
    return map;
  }

  /** Records what a person's Slack status said at `at`. */
  async saveStatus(userId: string, away: { until: Date | null } | null, at: Date): Promise<void> {
    const { slackStatuses } = this.database.schema;
    const values = { away: away !== null, until: away?.until ?? null, fetchedAt: at };
    await this.database.atomic((db) =>
      db
        .insert(slackStatuses)
        .values({ userId, ...values })
        .onConflictDoUpdate({ target: slackStatuses.userId, set: values }),
    );
  }

  /** Marks a status as read at `at` without changing what it said (the read failed: try again later, not every minute). */
  async touchStatus(userId: string, at: Date): Promise<void> {
    const { slackStatuses } = this.database.schema;
    await this.database.atomic((db) =>
      db
        .insert(slackStatuses)
        .values({ userId, away: false, until: null, fetchedAt: at })
        .onConflictDoUpdate({ target: slackStatuses.userId, set: { fetchedAt: at } }),
    );
  }

  /** When each of these people's status was last read; absent: never. */
  async statusFetchedAt(userIds: readonly string[]): Promise<Map<string, Date>> {
    const { slackStatuses } = this.database.schema;
    const map = new Map<string, Date>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = await this.database.db
        .select({ userId: slackStatuses.userId, fetchedAt: slackStatuses.fetchedAt })
        .from(slackStatuses)
        .where(inArray(slackStatuses.userId, userIds.slice(i, i + CHUNK)));
      for (const r of rows) map.set(r.userId, r.fetchedAt);
    }
    return map;
  }

  /** Among these people, those whose last read status counts as away beyond `now`. */
  async findStatusAway(userIds: readonly string[], now: Date): Promise<Map<string, StatusAway>> {
    const { slackStatuses } = this.database.schema;
    const map = new Map<string, StatusAway>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = await this.database.db
        .select({ userId: slackStatuses.userId, until: slackStatuses.until })
        .from(slackStatuses)
        .where(and(inArray(slackStatuses.userId, userIds.slice(i, i + CHUNK)), eq(slackStatuses.away, true), or(isNull(slackStatuses.until), gt(slackStatuses.until, now))));
      for (const r of rows) map.set(r.userId, { userId: r.userId, until: r.until });
    }
    return map;
  }
}
