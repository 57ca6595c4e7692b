import { and, eq } from 'drizzle-orm';
import type { Database, Tx } from './database.js';

/** Which weekly reports went out: one row per lead and week, so each is sent once however often the job runs. */
export class WeeklyReportRepo {
  constructor(private readonly database: Database) {}

  /** Whether a lead's report for the week of `weekOf` (its Monday) was claimed already. */
  async isClaimed(userId: string, weekOf: string): Promise<boolean> {
    const { weeklyReports } = this.database.schema;
    return (await this.database.db.select().from(weeklyReports).where(and(eq(weeklyReports.userId, userId), eq(weeklyReports.weekOf, weekOf))).limit(1)).length > 0;
  }

  /** Claims a lead's report for a week; false when an earlier or concurrent run did. */
  async claim(tx: Tx, userId: string, weekOf: string, at: Date): Promise<boolean> {
    const { weeklyReports } = this.database.schema;
    return (await tx.insert(weeklyReports).values({ userId, weekOf, at }).onConflictDoNothing().returning({ userId: weeklyReports.userId })).length === 1;
  }
}
