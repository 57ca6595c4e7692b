import { and, asc, count, desc, eq, isNotNull, isNull, lte, min, or, sql } from 'drizzle-orm';
import type { OutboxMessage } from '../domain/notifications.js';
import type { Database } from './database.js';
import type { OutboxRow } from './schema.js';
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

  constructor(private readonly database: Database) {
    const now = sql.placeholder('now');
    const { outbox } = database.schema;
    this.claimStatement = database.prepare((db) =>
      db
      .update(outbox)
      .set({ leaseUntil: sql`${sql.placeholder('until')}`, leaseOwner: sql`${sql.placeholder('owner')}`, claims: sql`${outbox.claims} + 1` })
      .where(and(eq(outbox.id, sql.placeholder('id')), isNull(outbox.sentAt), or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, now))))
      .returning({ id: outbox.id })
      .prepare(),
    );
    this.sentStatement = database.prepare((db) =>
      db
      .update(outbox)
      .set({ sentAt: sql`${sql.placeholder('at')}`, lastError: null, leaseUntil: null, leaseOwner: null })
      .where(eq(outbox.id, sql.placeholder('id')))
      .prepare(),
    );
  }

  /**
   * Due entries in id order, skipping any entry whose lane still has an earlier unsent entry, so a
   * thread reply never overtakes the post it belongs to and a webhook sees a handoff's events in order.
   */
  async listDue(now: Date, limit: number, wallNow?: number): Promise<OutboxEntry[]> {
    const { outbox } = this.database.schema;
    const rows = await this.database.db
      .select()
      .from(outbox)
      .where(
        and(
          isNull(outbox.sentAt),
          lte(outbox.nextAttemptAt, now),
          // Heads another instance is sending are left to it: a batch of them would hide the free heads behind.
          wallNow === undefined ? undefined : or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, new Date(wallNow))),
          sql`NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.sent_at IS NULL AND earlier.lane = ${outbox.lane} AND earlier.id < ${outbox.id})`,
        ),
      )
      .orderBy(asc(outbox.id))
      .limit(limit);
    return rows.map(toEntry);
  }

  /**
   * Takes an entry for `leaseMs` of wall-clock time. Two dispatchers (instances of the bot, or the
   * bot and a `jobs run` from the CLI) never send one entry twice: the second finds it leased. A
   * crashed holder's lease expires, or is taken back sooner (releaseLeases).
   *
   * This conditional UPDATE (compare-and-set on `lease_until`) is our portable equivalent of
   * `SELECT … FOR UPDATE SKIP LOCKED`: on Postgres the second of two concurrent UPDATEs waits for
   * the first's row lock, re-reads the row and matches nothing; on SQLite the write lock orders
   * them. A dispatcher that loses simply skips the entry, as SKIP LOCKED would, and the same SQL
   * runs on both databases. One statement, so no transaction of its own (Database.atomic).
   */
  async claim(id: number, wallNow: number, leaseMs: number, owner: string): Promise<boolean> {
    return this.database.atomic(async () => (await this.claimStatement.execute({ id, now: wallNow, until: wallNow + leaseMs, owner })).length === 1);
  }

  /**
   * Frees the leases of entries whose holder no longer runs (an instance killed mid-send: no
   * heartbeat, or a dead local pid), so they go out without waiting out the lease. Each release is
   * conditional on the same holder still having it; the entry is retried no sooner than `settleMs`
   * after its claim, and its retry looks the message up by outbox id before posting again.
   */
  async releaseLeases(isDead: (owner: string) => boolean, times: { leaseMs: number; settleMs: number }): Promise<number> {
    const { outbox } = this.database.schema;
    const held = await this.database.db
      .select({ id: outbox.id, owner: outbox.leaseOwner, leaseUntil: outbox.leaseUntil, nextAttemptAt: outbox.nextAttemptAt })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), isNotNull(outbox.leaseOwner)));
    let released = 0;
    for (const row of held) {
      if (!row.owner || !isDead(row.owner)) continue;
      // The dead process may have been mid-call: give Slack `settleMs` after the claim before looking for the message.
      const claimedAt = (row.leaseUntil?.getTime() ?? Date.now()) - times.leaseMs;
      const retryAt = new Date(Math.max(row.nextAttemptAt.getTime(), claimedAt + times.settleMs));
      const owner = row.owner;
      released += await this.database.atomic(
        async (db) =>
          (
            await db
              .update(outbox)
              .set({ leaseUntil: null, leaseOwner: null, nextAttemptAt: retryAt })
              .where(and(eq(outbox.id, row.id), eq(outbox.leaseOwner, owner)))
              .returning({ id: outbox.id })
          ).length,
      );
    }
    return released;
  }

  async markSent(id: number, at: Date): Promise<void> {
    await this.database.atomic(() => this.sentStatement.execute({ id, at: at.getTime() }));
  }

  async markFailed(id: number, error: string, retryAt: Date): Promise<void> {
    const { outbox } = this.database.schema;
    await this.database.atomic((db) =>
      db
        .update(outbox)
        // `webhooks status` shows it: a URL in it keeps no token or password.
        .set({ attempts: sql`${outbox.attempts} + 1`, lastError: redactUrlsIn(error).slice(0, 500), nextAttemptAt: retryAt, leaseUntil: null, leaseOwner: null })
        .where(eq(outbox.id, id)),
    );
  }

  /**
   * The earliest time anything pending becomes due, or null when nothing is pending. An entry
   * leased (by another instance, which is sending it) is due when its lease ends, not before: an
   * idle instance then sleeps instead of polling while another sends.
   */
  async nextDueAt(): Promise<Date | null> {
    const { outbox } = this.database.schema;
    // Only the head of each lane can go next; entries queued behind a failing one are not due.
    const [row] = await this.database.db
      .select({ at: sql<number | string | null>`min(CASE WHEN ${outbox.leaseUntil} > ${outbox.nextAttemptAt} THEN ${outbox.leaseUntil} ELSE ${outbox.nextAttemptAt} END)` })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), sql`NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.sent_at IS NULL AND earlier.lane = ${outbox.lane} AND earlier.id < ${outbox.id})`));
    // A raw expression: the driver gives the number (a string for a Postgres bigint), not a Date.
    return row?.at === null || row?.at === undefined ? null : new Date(Number(row.at));
  }

  /** Per webhook URL: what waits, what keeps failing and why (URLs in it redacted), what went out. */
  async webhookStatus(): Promise<Array<{ url: string; pending: number; failing: number; delivered: number; lastError: string | null; oldestPending: Date | null; lastDelivered: Date | null }>> {
    const { outbox } = this.database.schema;
    const url = sql<string>`${this.database.jsonText(outbox.payload, 'url')}`;
    // CASE rather than summing booleans: Postgres has no sum(boolean).
    const rows = await this.database.db
      .select({
        url,
        pending: sql<number>`sum(CASE WHEN ${outbox.sentAt} IS NULL THEN 1 ELSE 0 END)`,
        failing: sql<number>`sum(CASE WHEN ${outbox.sentAt} IS NULL AND ${outbox.attempts} > 0 THEN 1 ELSE 0 END)`,
        delivered: sql<number>`sum(CASE WHEN ${outbox.sentAt} IS NOT NULL THEN 1 ELSE 0 END)`,
        oldestPending: sql<number | null>`min(CASE WHEN ${outbox.sentAt} IS NULL THEN ${outbox.createdAt} END)`,
        lastDelivered: sql<number | null>`max(${outbox.sentAt})`,
      })
      .from(outbox)
      .where(eq(outbox.kind, 'webhook'))
      .groupBy(url);
    // The newest error of each URL's pending entries, read apart: Postgres refuses a subquery on the grouped JSON expression.
    const errors = await this.database.db
      .select({ url, lastError: outbox.lastError })
      .from(outbox)
      .where(and(eq(outbox.kind, 'webhook'), isNull(outbox.sentAt), isNotNull(outbox.lastError)))
      .orderBy(desc(outbox.id));
    const lastErrorOf = new Map<string, string>();
    for (const e of errors) if (e.lastError !== null && !lastErrorOf.has(e.url)) lastErrorOf.set(e.url, e.lastError);
    return rows.map((r) => ({
      url: r.url,
      pending: Number(r.pending),
      failing: Number(r.failing),
      delivered: Number(r.delivered),
      // Rows stored before errors were redacted at write time.
      lastError: lastErrorOf.has(r.url) ? redactUrlsIn(lastErrorOf.get(r.url) as string) : null,
      oldestPending: r.oldestPending === null ? null : new Date(Number(r.oldestPending)),
      lastDelivered: r.lastDelivered === null ? null : new Date(Number(r.lastDelivered)),
    }));
  }

  /** Unsent entries of the handoffs created through `via` (e.g. `api:shop`, kept on their first event). */
  async pendingFor(via: string): Promise<number> {
    const [row] = await this.database.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM outbox o JOIN events e ON e.handoff_id = o.handoff_id AND e.type = 'created' WHERE o.sent_at IS NULL AND ${this.database.jsonText(sql`e.data`, 'via')} = ${via}`,
    );
    return Number(row?.n ?? 0);
  }

  async backlog(): Promise<{ pending: number; oldest: Date | null }> {
    const { outbox } = this.database.schema;
    const [row] = await this.database.db.select({ pending: count(), oldest: min(outbox.createdAt) }).from(outbox).where(isNull(outbox.sentAt));
    return { pending: Number(row?.pending ?? 0), oldest: row?.oldest ?? null };
  }
}

function toEntry(row: OutboxRow): OutboxEntry {
  return { id: row.id, handoffId: row.handoffId, lane: row.lane, notification: row.payload as unknown as OutboxMessage, attempts: row.attempts, claims: row.claims };
}
