import { and, asc, eq, gt, inArray, isNotNull, lte, or } from 'drizzle-orm';
import type { Db, Tx } from './open-db';
import { digests, type HandoffRow, handoffs, nudges, userProfiles } from './schema';

const ACTIVE = ['open', 'accepted', 'returned'] as const;

/** The queries behind nudges, digests and "what is stalled"; each is served by an index. */
export class StallRepo {
  constructor(private readonly db: Db) {}

  /** Handoffs whose next nudge check is due, earliest first. */
  dueForNudge(now: Date, limit: number): HandoffRow[] {
    return this.db
      .select()
      .from(handoffs)
      .where(and(isNotNull(handoffs.nudgeAt), lte(handoffs.nudgeAt, now)))
      .orderBy(asc(handoffs.nudgeAt))
      .limit(limit)
      .all();
  }

  /** Everything at or past a reminder point, plus snoozed work (leads see it). */
  listStalled(now: Date): HandoffRow[] {
    return this.db
      .select()
      .from(handoffs)
      .where(
        or(
          and(eq(handoffs.state, 'open'), lte(handoffs.acceptWarnAt, now)),
          and(eq(handoffs.state, 'accepted'), lte(handoffs.completeWarnAt, now)),
          and(eq(handoffs.state, 'returned'), lte(handoffs.acceptDueAt, now)),
          and(eq(handoffs.state, 'accepted'), gt(handoffs.snoozedUntil, now)),
        ),
      )
      .all();
  }

  /** Open, accepted or returned handoffs a person owns or requested. */
  listActiveFor(userId: string): HandoffRow[] {
    return this.db
      .select()
      .from(handoffs)
      .where(and(inArray(handoffs.state, [...ACTIVE]), or(eq(handoffs.ownerId, userId), eq(handoffs.requesterId, userId))))
      .orderBy(asc(handoffs.createdAt))
      .all();
  }

  listActiveForTeams(teamKeys: readonly string[]): HandoffRow[] {
    if (teamKeys.length === 0) return [];
    return this.db
      .select()
      .from(handoffs)
      .where(and(inArray(handoffs.state, [...ACTIVE]), inArray(handoffs.toTeam, [...teamKeys])))
      .orderBy(asc(handoffs.createdAt))
      .all();
  }

  /** Claims a nudge threshold; false when it was already claimed (by an earlier or concurrent run). */
  claimNudge(tx: Tx, handoffId: number, key: string, at: Date): boolean {
    return tx.insert(nudges).values({ handoffId, key, at }).onConflictDoNothing().run().changes === 1;
  }

  /** Moves the nudge bookkeeping if the handoff is still as read; a state change meanwhile wins. */
  updateNudgeState(tx: Tx, id: number, version: number, patch: { nudgeAt: Date | null; snoozedUntil?: null }): boolean {
    return tx.update(handoffs).set(patch).where(and(eq(handoffs.id, id), eq(handoffs.version, version))).run().changes === 1;
  }

  /** Claims a person's digest for a local day; false when it went out already. */
  claimDigest(tx: Tx, userId: string, localDate: string, at: Date): boolean {
    return tx.insert(digests).values({ userId, localDate, at }).onConflictDoNothing().run().changes === 1;
  }

  cachedTimezone(userId: string, freshAfter: Date): string | null {
    const row = this.db.select().from(userProfiles).where(eq(userProfiles.userId, userId)).get();
    return row && row.fetchedAt.getTime() >= freshAfter.getTime() ? row.timezone : null;
  }

  cachedTimezones(userIds: readonly string[], freshAfter: Date): Map<string, string> {
    const map = new Map<string, string>();
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = this.db
        .select()
        .from(userProfiles)
        .where(and(inArray(userProfiles.userId, userIds.slice(i, i + 500)), gt(userProfiles.fetchedAt, freshAfter)))
        .all();
      for (const r of rows) map.set(r.userId, r.timezone);
    }
    return map;
  }

  saveTimezone(userId: string, timezone: string, at: Date): void {
    this.db
      .insert(userProfiles)
      .values({ userId, timezone, fetchedAt: at })
      .onConflictDoUpdate({ target: userProfiles.userId, set: { timezone, fetchedAt: at } })
      .run();
  }
}
