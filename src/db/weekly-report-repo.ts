import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from './open-db.js';
import { weeklyReports } from './schema.js';

/** Which weekly reports went out: one row per lead and week, so each is sent once however often the job runs. */
export class WeeklyReportRepo {
  constructor(private readonly db: Db) {}

  /** Whether a lead's report for the week of `weekOf` (its Monday) was claimed already. */
  isClaimed(userId: string, weekOf: string): boolean {
    return this.db.select().from(weeklyReports).where(and(eq(weeklyReports.userId, userId), eq(weeklyReports.weekOf, weekOf))).get() !== undefined;
  }

  /** Claims a lead's report for a week; false when an earlier or concurrent run did. */
  claim(tx: Tx, userId: string, weekOf: string, at: Date): boolean {
    return tx.insert(weeklyReports).values({ userId, weekOf, at }).onConflictDoNothing().run().changes === 1;
  }
}
