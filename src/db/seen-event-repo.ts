import { lt } from 'drizzle-orm';
import type { Db } from './open-db.js';
import { seenEvents } from './schema.js';

const KEEP_MS = 24 * 60 * 60 * 1000;

/** Events API deliveries already handled. Slack retries a delivery it thinks failed, with the same event_id. */
export class SeenEventRepo {
  private inserts = 0;

  constructor(private readonly db: Db) {}

  /** Records the event id; false when it was seen before. */
  firstSight(eventId: string, at: Date): boolean {
    const fresh = this.db.insert(seenEvents).values({ eventId, at }).onConflictDoNothing().run().changes === 1;
    // Slack retries within minutes; a day of ids is plenty, and pruning now and then keeps the table small.
    if (fresh && ++this.inserts % 500 === 0) this.db.delete(seenEvents).where(lt(seenEvents.at, new Date(at.getTime() - KEEP_MS))).run();
    return fresh;
  }
}
