import { and, asc, count, eq, isNotNull, isNull, lte, min, or, sql } from 'drizzle-orm';
import type { OutboxMessage } from '../domain/notifications.js';
import type { Db } from './open-db.js';
import { type OutboxRow, outbox } from './schema.js';
import { redactUrlsIn } from '../domain/redact-url.js';

export interface OutboxEntry {
  readonly id: number;
  readonly handoffId: number | null;
  readonly notification: OutboxMessage;
  readonly lane: string | null;
  readonly attempts: number;
  /** How often it was taken before this listing. */
  readonly claims: number;
}

/** The queue of Slack side effects. Rows are never deleted: a sent row keeps `sent_at` as a record. */
export class OutboxRepo {
  // Prepared once: each runs for every message the bot sends.
  private readonly claimStatement;
  private readonly sentStatement;

  constructor(private readonly db: Db) {
    const now = sql.placeholder('now');
    this.claimStatement = db
      .update(outbox)
      .set({ leaseUntil: sql`${sql.placeholder('until')}`, leaseOwner: sql`${sql.placeholder('owner')}`, claims: sql`${outbox.claims} + 1` })
      .where(and(eq(outbox.id, sql.placeholder('id')), isNull(outbox.sentAt), or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, now))))
      .prepare();
    this.sentStatement = db
      .update(outbox)
      .set({ sentAt: sql`${sql.placeholder('at')}`, lastError: null, leaseUntil: null, leaseOwner: null })
      .where(eq(outbox.id, sql.placeholder('id')))
      .prepare();
  }

  /**
   * Due entries in id order, skipping any entry whose lane still has an earlier unsent entry, so a
   * thread reply never overtakes the post it belongs to and a webhook sees a handoff's events in order.
   */
  listDue(now: Date, limit: number): OutboxEntry[] {
    const rows = this.db
      .select()
      .from(outbox)
      .where(
        and(
          isNull(outbox.sentAt),
          lte(outbox.nextAttemptAt, now),
          sql`NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.sent_at IS NULL AND earlier.lane = ${outbox.lane} AND earlier.id < ${outbox.id})`,
        ),
      )
      .orderBy(asc(outbox.id))
      .limit(limit)
      .all();
    return rows.map(toEntry);
  }

  /**
   * Takes an entry for `leaseMs` of wall-clock time. Two dispatchers (the bot and a `jobs run` from
   * the CLI) never send one entry twice: the second finds it leased. A crashed holder's lease expires.
   */
  claim(id: number, wallNow: number, leaseMs: number, owner: string): boolean {
    return this.claimStatement.run({ id, now: wallNow, until: wallNow + leaseMs, owner }).changes === 1;
  }

  /** Frees the leases of entries whose holder no longer runs (a process killed mid-send), so they go out now. */
  releaseLeases(isDead: (owner: string) => boolean, times: { leaseMs: number; settleMs: number }): number {
    const held = this.db
      .select({ id: outbox.id, owner: outbox.leaseOwner, leaseUntil: outbox.leaseUntil, nextAttemptAt: outbox.nextAttemptAt })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), isNotNull(outbox.leaseOwner)))
      .all();
    let released = 0;
    for (const row of held) {
      if (!row.owner || !isDead(row.owner)) continue;
      // The dead process may have been mid-call: give Slack `settleMs` after the claim before looking for the message.
      const claimedAt = (row.leaseUntil?.getTime() ?? Date.now()) - times.leaseMs;
      const retryAt = new Date(Math.max(row.nextAttemptAt.getTime(), claimedAt + times.settleMs));
      released += this.db
        .update(outbox)
        .set({ leaseUntil: null, leaseOwner: null, nextAttemptAt: retryAt })
        .where(and(eq(outbox.id, row.id), eq(outbox.leaseOwner, row.owner)))
        .run().changes;
    }
    return released;
  }

  markSent(id: number, at: Date): void {
    this.sentStatement.run({ id, at: at.getTime() });
  }

  markFailed(id: number, error: string, retryAt: Date): void {
    this.db
      .update(outbox)
      // `webhooks status` shows it: a URL in it keeps no token or password.
      .set({ attempts: sql`${outbox.attempts} + 1`, lastError: redactUrlsIn(error).slice(0, 500), nextAttemptAt: retryAt, leaseUntil: null, leaseOwner: null })
      .where(eq(outbox.id, id))
      .run();
  }

  /** The earliest time anything pending becomes due, or null when nothing is pending. */
  nextDueAt(): Date | null {
    // Only the head of each lane can go next; entries queued behind a failing one are not due.
    const row = this.db
      .select({ at: min(outbox.nextAttemptAt) })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), sql`NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.sent_at IS NULL AND earlier.lane = ${outbox.lane} AND earlier.id < ${outbox.id})`))
      .get();
    return row?.at ?? null;
  }

  /** Per webhook URL: what waits, what keeps failing and why (URLs in it redacted), what went out. */
  webhookStatus(): Array<{ url: string; pending: number; failing: number; delivered: number; lastError: string | null; oldestPending: Date | null; lastDelivered: Date | null }> {
    const url = sql<string>`json_extract(${outbox.payload}, '$.url')`;
    const rows = this.db
      .select({
        url,
        pending: sql<number>`sum(${outbox.sentAt} IS NULL)`,
        failing: sql<number>`sum(${outbox.sentAt} IS NULL AND ${outbox.attempts} > 0)`,
        delivered: sql<number>`sum(${outbox.sentAt} IS NOT NULL)`,
        lastError: sql<string | null>`(SELECT o2.last_error FROM outbox o2 WHERE o2.kind = 'webhook' AND o2.sent_at IS NULL AND o2.last_error IS NOT NULL AND json_extract(o2.payload, '$.url') = json_extract(${outbox.payload}, '$.url') ORDER BY o2.id DESC LIMIT 1)`,
        oldestPending: sql<number | null>`min(CASE WHEN ${outbox.sentAt} IS NULL THEN ${outbox.createdAt} END)`,
        lastDelivered: sql<number | null>`max(${outbox.sentAt})`,
      })
      .from(outbox)
      .where(eq(outbox.kind, 'webhook'))
      .groupBy(url)
      .all();
    return rows.map((r) => ({
      url: r.url,
      pending: Number(r.pending),
      failing: Number(r.failing),
      delivered: Number(r.delivered),
      // Rows stored before errors were redacted at write time.
      lastError: r.lastError === null ? null : redactUrlsIn(r.lastError),
      oldestPending: r.oldestPending === null ? null : new Date(Number(r.oldestPending)),
      lastDelivered: r.lastDelivered === null ? null : new Date(Number(r.lastDelivered)),
    }));
  }

  /** Unsent entries of the handoffs created through `via` (e.g. `api:shop`, kept on their first event). */
  pendingFor(via: string): number {
    const row = this.db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM outbox o JOIN events e ON e.handoff_id = o.handoff_id AND e.type = 'created' WHERE o.sent_at IS NULL AND json_extract(e.data, '$.via') = ${via}`,
    );
    return row?.n ?? 0;
  }

  backlog(): { pending: number; oldest: Date | null } {
    const row = this.db.select({ pending: count(), oldest: min(outbox.createdAt) }).from(outbox).where(isNull(outbox.sentAt)).get();
    return { pending: row?.pending ?? 0, oldest: row?.oldest ?? null };
  }
}

function toEntry(row: OutboxRow): OutboxEntry {
  return { id: row.id, handoffId: row.handoffId, lane: row.lane, notification: row.payload as unknown as OutboxMessage, attempts: row.attempts, claims: row.claims };
}
