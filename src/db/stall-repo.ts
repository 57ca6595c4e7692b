import { and, asc, eq, gt, inArray, isNotNull, lte, or } from 'drizzle-orm';
import type { Database, Tx } from './database.js';
import type { HandoffRow } from './schema.js';

const ACTIVE = ['awaiting_approval', 'open', 'accepted', 'returned'] as const;
/** A receiving team's active work: what waits for approval is not theirs yet. */
const TEAM_ACTIVE = ['open', 'accepted', 'returned'] as const;

type Handoffs = (typeof import('./schema.js'))['handoffs'];

/** Only the columns the nudge rules read. */
const nudgeColumns = (handoffs: Handoffs) => ({
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
});
export type NudgeRow = Pick<HandoffRow, keyof ReturnType<typeof nudgeColumns>>;

/** The queries behind nudges, digests and "what is stalled"; each is served by an index. */
export class StallRepo {
  constructor(private readonly database: Database) {}

  /**
   * Handoffs whose next nudge check is due, earliest first; `after` pages on from the last row of a
   * batch. Only the columns the nudge rules read: decoding every row's fields JSON would cost more
   * than the query.
   */
  async dueForNudge(now: Date, limit: number, after?: { nudgeAt: Date; id: number }): Promise<NudgeRow[]> {
    const { handoffs } = this.database.schema;
    const page = after ? or(gt(handoffs.nudgeAt, after.nudgeAt), and(eq(handoffs.nudgeAt, after.nudgeAt), gt(handoffs.id, after.id))) : undefined;
    return this.database.db
      .select(nudgeColumns(handoffs))
      .from(handoffs)
      .where(and(isNotNull(handoffs.nudgeAt), lte(handoffs.nudgeAt, now), page))
      .orderBy(asc(handoffs.nudgeAt), asc(handoffs.id))
      .limit(limit);
  }

  /** Everything at or past a reminder point (an approval: past 75% of `sla.approve`), plus snoozed work (leads see it). */
  async listStalled(now: Date): Promise<HandoffRow[]> {
    const { handoffs } = this.database.schema;
    return this.database.db
      .select()
      .from(handoffs)
      .where(
        or(
          // Until approved, the approval's times live in the accept columns.
          and(eq(handoffs.state, 'awaiting_approval'), lte(handoffs.acceptWarnAt, now)),
          and(eq(handoffs.state, 'open'), lte(handoffs.acceptWarnAt, now)),
          and(eq(handoffs.state, 'accepted'), lte(handoffs.completeWarnAt, now)),
          and(eq(handoffs.state, 'returned'), lte(handoffs.acceptDueAt, now)),
          and(eq(handoffs.state, 'accepted'), gt(handoffs.snoozedUntil, now)),
        ),
      );
  }

  /** Handoffs waiting for approval, open, accepted or returned that a person owns or requested. */
  async listActiveFor(userId: string): Promise<HandoffRow[]> {
    const { handoffs } = this.database.schema;
    return this.database.db
      .select()
      .from(handoffs)
      .where(and(inArray(handoffs.state, [...ACTIVE]), or(eq(handoffs.ownerId, userId), eq(handoffs.requesterId, userId))))
      .orderBy(asc(handoffs.createdAt));
  }

  /**
   * Every handoff waiting for approval, oldest first. Who may approve is not stored (it follows the
   * config as it stands, like the buttons), so callers filter with approversOf; the set is small
   * (it waits on a few people's decision) and served by the state index.
   */
  async listAwaitingApproval(): Promise<HandoffRow[]> {
    const { handoffs } = this.database.schema;
    return this.database.db.select().from(handoffs).where(eq(handoffs.state, 'awaiting_approval')).orderBy(asc(handoffs.createdAt), asc(handoffs.id));
  }

  async listActiveForTeams(teamKeys: readonly string[]): Promise<HandoffRow[]> {
    if (teamKeys.length === 0) return [];
    const { handoffs } = this.database.schema;
    return this.database.db
      .select()
      .from(handoffs)
      .where(and(inArray(handoffs.state, [...TEAM_ACTIVE]), inArray(handoffs.toTeam, [...teamKeys])))
      .orderBy(asc(handoffs.createdAt));
  }

  /** Claims a nudge threshold; false when it was already claimed (by an earlier or concurrent run). */
  async claimNudge(tx: Tx, handoffId: number, key: string, at: Date): Promise<boolean> {
    const { nudges } = this.database.schema;
    return (await tx.insert(nudges).values({ handoffId, key, at }).onConflictDoNothing().returning({ handoffId: nudges.handoffId })).length === 1;
  }

  /** Moves the nudge bookkeeping if the handoff is still as read; a state change meanwhile wins. */
  async updateNudgeState(tx: Tx, id: number, version: number, patch: { nudgeAt: Date | null; snoozedUntil?: null }): Promise<boolean> {
    const { handoffs } = this.database.schema;
    return (await tx.update(handoffs).set(patch).where(and(eq(handoffs.id, id), eq(handoffs.version, version))).returning({ id: handoffs.id })).length === 1;
  }

  /** Claims a person's digest for a local day; false when it went out already. */
  async claimDigest(tx: Tx, userId: string, localDate: string, at: Date): Promise<boolean> {
    const { digests } = this.database.schema;
    return (await tx.insert(digests).values({ userId, localDate, at }).onConflictDoNothing().returning({ userId: digests.userId })).length === 1;
  }

  async cachedTimezone(userId: string, freshAfter: Date): Promise<string | null> {
    const { userProfiles } = this.database.schema;
    const [row] = await this.database.db.select().from(userProfiles).where(eq(userProfiles.userId, userId)).limit(1);
    return row && row.fetchedAt.getTime() >= freshAfter.getTime() ? row.timezone : null;
  }

  async cachedTimezones(userIds: readonly string[], freshAfter: Date): Promise<Map<string, string>> {
    const { userProfiles } = this.database.schema;
    const map = new Map<string, string>();
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = await this.database.db
        .select()
        .from(userProfiles)
        .where(and(inArray(userProfiles.userId, userIds.slice(i, i + 500)), gt(userProfiles.fetchedAt, freshAfter)));
      for (const r of rows) map.set(r.userId, r.timezone);
    }
    return map;
  }

  async saveTimezone(userId: string, timezone: string, at: Date): Promise<void> {
    const { userProfiles } = this.database.schema;
    await this.database.atomic((db) =>
      db
        .insert(userProfiles)
        .values({ userId, timezone, fetchedAt: at })
        .onConflictDoUpdate({ target: userProfiles.userId, set: { timezone, fetchedAt: at } }),
    );
  }
}
