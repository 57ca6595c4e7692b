import { lt } from 'drizzle-orm';
import type { Database } from './database.js';

const KEEP_MS = 24 * 60 * 60 * 1000;

/** Events API deliveries already handled. Slack retries a delivery it thinks failed, with the same event_id. */
export class SeenEventRepo {
  private inserts = 0;

  constructor(private readonly database: Database) {}

  /** Records the event id; false when it was seen before. */
  async firstSight(eventId: string, at: Date): Promise<boolean> {
    const { seenEvents } = this.database.schema;
    const fresh = (await this.database.atomic((db) => db.insert(seenEvents).values({ eventId, at }).onConflictDoNothing().returning({ eventId: seenEvents.eventId }))).length === 1;
    // Slack retries within minutes; a day of ids is plenty, and pruning now and then keeps the table small.
    if (fresh && ++this.inserts % 500 === 0) await this.database.atomic((db) => db.delete(seenEvents).where(lt(seenEvents.at, new Date(at.getTime() - KEEP_MS))));
    return fresh;
  }
}
