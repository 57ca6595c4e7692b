import { eq, gte, lt } from 'drizzle-orm';
import type { Database } from './database.js';

/** Rows of instances gone this long are deleted by the next heartbeat: their leases count as abandoned either way. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

/** The heartbeats of the running instances (table `instances`). Times are wall-clock epoch milliseconds. */
export class InstanceRepo {
  constructor(private readonly database: Database) {}

  /** Records that `owner` is alive at `at`; the first beat also records when it started. */
  async beat(owner: string, at: number): Promise<void> {
    const { instances } = this.database.schema;
    const now = new Date(at);
    // Two statements, each atomic on its own: neither depends on the other.
    await this.database.atomic((db) => db.insert(instances).values({ owner, heartbeatAt: now, startedAt: now }).onConflictDoUpdate({ target: instances.owner, set: { heartbeatAt: now } }));
    await this.database.atomic((db) => db.delete(instances).where(lt(instances.heartbeatAt, new Date(at - FORGET_AFTER_MS))));
  }

  /** A clean stop: the instance holds nothing any more. */
  async remove(owner: string): Promise<void> {
    const { instances } = this.database.schema;
    await this.database.atomic((db) => db.delete(instances).where(eq(instances.owner, owner)));
  }

  /** The instances whose last heartbeat is at or after `since`. */
  async aliveSince(since: number): Promise<Set<string>> {
    const { instances } = this.database.schema;
    const rows = await this.database.db.select({ owner: instances.owner }).from(instances).where(gte(instances.heartbeatAt, new Date(since)));
    return new Set(rows.map((r) => r.owner));
  }
}
