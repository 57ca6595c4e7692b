import { and, asc, eq, gt, inArray, isNotNull, lte, or } from 'drizzle-orm';
import type { Db, Tx } from './open-db.js';
import { digests, type HandoffRow, handoffs, nudges, userProfiles } from './schema.js';

const ACTIVE = ['awaiting_approval', 'open', 'accepted', 'returned'] as const;
/** A receiving team's active work: what waits for approval is not theirs yet. */
const TEAM_ACTIVE = ['open', 'accepted', 'returned'] as const;

const NUDGE_COLUMNS = {
  id: handoffs.id,
  version: handoffs.version,
  typeKey: handoffs.typeKey,
  toTeam: handoffs.toTeam,
  state: handoffs.state,
  requesterId: handoffs.requesterId,
  ownerId: handoffs.ownerId,
  queuedAt: handoffs.queuedAt,
  acceptedAt: handoffs.acceptedAt,
  updatedAt: handoffs.updatedAt,
  acceptWarnAt: handoffs.acceptWarnAt,
  acceptDueAt: handoffs.acceptDueAt,
  completeWarnAt: handoffs.completeWarnAt,
  completeDueAt: handoffs.completeDueAt,
  snoozedUntil: handoffs.snoozedUntil,
  nudgeAt: handoffs.nudgeAt,
};
export type NudgeRow = Pick<HandoffRow, keyof typeof NUDGE_COLUMNS>;

/** The queries behind nudges, digests and "what is stalled"; each is served by an index. */
export class StallRepo {
  constructor(private readonly db: Db) {}

  /**
   * Handoffs whose next nudge check is due, earliest first; `after` pages on from the last row of a
   * batch. Only the columns the nudge rules read: decoding every row's fields JSON would cost more
   * than the query.
   */
  dueForNudge(now: Date, limit: number, after?: { nudgeAt: Date; id: number }): NudgeRow[] {
    const page = after ? or(gt(handoffs.nudgeAt, after.nudgeAt), and(eq(handoffs.nudgeAt, after.nudgeAt), gt(handoffs.id, after.id))) : undefined;
    return this.db
      .select(NUDGE_COLUMNS)
      .from(handoffs)
      .where(and(isNotNull(handoffs.nudgeAt), lte(handoffs.nudgeAt, now), page))
      .orderBy(asc(handoffs.nudgeAt), asc(handoffs.id))
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

  /** Handoffs waiting for approval, open, accepted or returned that a person owns or requested. */
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
      .where(and(inArray(handoffs.state, [...TEAM_ACTIVE]), inArray(handoffs.toTeam, [...teamKeys])))
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
