import { and, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from './open-db.js';
import { awayPeople } from './schema.js';

export interface AwayStatus {
  readonly userId: string;
  readonly until: Date;
  readonly backupId: string | null;
}

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

  find(userId: string, now: Date): AwayStatus | null {
    const row = this.db.select().from(awayPeople).where(and(eq(awayPeople.userId, userId), gt(awayPeople.until, now))).get();
    return row ? { userId: row.userId, until: row.until, backupId: row.backupId } : null;
  }

  /** The absences among these people that last beyond `now`. */
  findMany(userIds: readonly string[], now: Date): Map<string, AwayStatus> {
    const map = new Map<string, AwayStatus>();
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = this.db
        .select()
        .from(awayPeople)
        .where(and(inArray(awayPeople.userId, userIds.slice(i, i + 500)), gt(awayPeople.until, now)))
        .all();
      for (const r of rows) map.set(r.userId, { userId: r.userId, until: r.until, backupId: r.backupId });
    }
    return map;
  }
}
