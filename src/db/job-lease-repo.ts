import { and, eq, lt, or } from 'drizzle-orm';
import type { Database } from './database.js';

/** Who runs which job (table `job_leases`), so the jobs run on one instance at a time. Times are wall-clock epoch milliseconds. */
export class JobLeaseRepo {
  constructor(private readonly database: Database) {}

  /**
   * Takes (or renews) the lease of job `name` for `owner` until `at + ttlMs`; false while another
   * owner holds an unexpired one. One statement, `INSERT … ON CONFLICT (name) DO UPDATE … WHERE
   * until < now OR owner = me RETURNING`: the row lock (Postgres) or the write lock (SQLite) makes
   * the check and the write one step, so two instances asking at once cannot both get it.
   */
  async take(name: string, owner: string, at: number, ttlMs: number): Promise<boolean> {
    const { jobLeases } = this.database.schema;
    const until = new Date(at + ttlMs);
    return this.database.atomic(
      async (db) =>
        (
          await db
            .insert(jobLeases)
            .values({ name, owner, until })
            .onConflictDoUpdate({ target: jobLeases.name, set: { owner, until }, setWhere: or(lt(jobLeases.until, new Date(at)), eq(jobLeases.owner, owner)) })
            .returning({ name: jobLeases.name })
        ).length === 1,
    );
  }

  /** Gives the lease back if `owner` still holds it, so the next run (on any instance) need not wait for it to run out. */
  async release(name: string, owner: string): Promise<void> {
    const { jobLeases } = this.database.schema;
    await this.database.atomic((db) => db.delete(jobLeases).where(and(eq(jobLeases.name, name), eq(jobLeases.owner, owner))));
  }

  /** Who holds job `name` and until when, or null. */
  async holder(name: string): Promise<{ owner: string; until: Date } | null> {
    const { jobLeases } = this.database.schema;
    const [row] = await this.database.db.select({ owner: jobLeases.owner, until: jobLeases.until }).from(jobLeases).where(eq(jobLeases.name, name)).limit(1);
    return row ?? null;
  }
}
