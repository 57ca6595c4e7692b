import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FieldValues } from '../domain/fields';
import type { HandoffState } from '../domain/lifecycle';
import { laneOf, type Notification, type OutboxMessage } from '../domain/notifications';
import type { EventType } from '../domain/lifecycle';
import type { Db, DbOrTx, Tx } from './open-db';
import { type EventRow, events, type HandoffRow, handoffs, outbox, uniqueValues } from './schema';

export type NewHandoff = Omit<typeof handoffs.$inferInsert, 'id' | 'version'>;
export type HandoffPatch = Partial<Omit<typeof handoffs.$inferInsert, 'id' | 'version'>>;

export interface NewEvent {
  readonly type: EventRow['type'];
  readonly actorId: string;
  readonly at: Date;
  readonly fromState: HandoffState | null;
  readonly toState: HandoffState;
  readonly data: Record<string, unknown>;
}

export interface UniqueValue {
  readonly fieldKey: string;
  readonly value: string;
}

/** Thrown inside a transaction when the row changed since it was read; the transaction rolls back. */
export class VersionConflict extends Error {
  constructor(readonly handoffId: number) {
    super(`handoff ${handoffId} changed concurrently`);
  }
}

/** Thrown when another open handoff holds a unique value; the transaction rolls back. */
export class UniqueConflict extends Error {
  constructor(
    readonly fieldKey: string,
    readonly handoffId: number,
  ) {
    super(`unique value of ${fieldKey} held by handoff ${handoffId}`);
  }
}

/** Storage of handoffs with their events, unique values and outbox entries. Every write is one transaction. */
export class HandoffRepo {
  // Prepared once: the hottest reads run several times per request and per Slack message, and
  // building a query each time costs about ten times the lookup. One connection, so they also run inside transactions.
  private readonly byId;
  private readonly eventById;
  private readonly bySubmissionKey;
  private readonly insertEventStatement;
  private readonly enqueueStatement;
  /** The writes waiting for this turn's group commit (transactionSoon). */
  private pending: Array<{ fn: (tx: Tx) => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }> | null = null;

  constructor(
    private readonly db: Db,
    /** More outbox messages for every event written, in the same transaction (webhook deliveries). */
    private readonly onEvent: (handoffId: number, eventId: number, type: EventType) => OutboxMessage[] = () => [],
  ) {
    this.byId = db.select().from(handoffs).where(eq(handoffs.id, sql.placeholder('id'))).prepare();
    this.eventById = db.select().from(events).where(eq(events.id, sql.placeholder('id'))).prepare();
    this.bySubmissionKey = db.select().from(handoffs).where(eq(handoffs.submissionKey, sql.placeholder('key'))).prepare();
    const p = sql.placeholder;
    this.insertEventStatement = db
      .insert(events)
      .values({ handoffId: p('handoffId'), type: p('type'), actorId: p('actorId'), at: p('at'), fromState: p('fromState'), toState: p('toState'), data: p('data') })
      .returning({ id: events.id })
      .prepare();
    this.enqueueStatement = db
      .insert(outbox)
      .values({ handoffId: p('handoffId'), kind: p('kind'), lane: p('lane'), payload: p('payload'), createdAt: p('at'), nextAttemptAt: p('at') })
      .prepare();
  }

  transaction<T>(fn: (tx: Tx) => T): T {
    return this.db.transaction(fn, { behavior: 'immediate' });
  }

  /**
   * Group commit: the writes asked for within one turn of the event loop run together in one
   * transaction, each in its own savepoint (one that throws is rolled back alone and its caller gets
   * the error), and are committed once. Each promise settles only after that commit, so whoever acks
   * Slack after awaiting it still acks a stored change. Under load that is one commit for many requests.
   */
  transactionSoon<T>(fn: (tx: Tx) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.pending) {
        this.pending = [];
        setImmediate(() => this.commitPending());
      }
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private commitPending(): void {
    const batch = this.pending ?? [];
    this.pending = null;
    let outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    try {
      outcomes = this.transaction((tx) =>
        batch.map(({ fn }) => {
          try {
            return { ok: true as const, value: tx.transaction(fn) };
          } catch (error) {
            return { ok: false as const, error };
          }
        }),
      );
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? batch[i].resolve(outcome.value) : batch[i].reject(outcome.error)));
  }

  findById(id: number): HandoffRow | null {
    return this.byId.get({ id }) ?? null;
  }

  findBySubmissionKey(key: string): HandoffRow | null {
    return this.bySubmissionKey.get({ key }) ?? null;
  }

  /** The open handoff that holds a unique value, if any. */
  findUniqueHolder(typeKey: string, fieldKey: string, value: string, tx: DbOrTx = this.db): HandoffRow | null {
    const row = tx
      .select({ handoffId: uniqueValues.handoffId })
      .from(uniqueValues)
      .where(and(eq(uniqueValues.typeKey, typeKey), eq(uniqueValues.fieldKey, fieldKey), eq(uniqueValues.value, value)))
      .get();
    return row ? this.findById(row.handoffId) : null;
  }

  listEvents(handoffId: number): EventRow[] {
    return this.db.select().from(events).where(eq(events.handoffId, handoffId)).orderBy(asc(events.id)).all();
  }

  findEvent(eventId: number): EventRow | null {
    return this.eventById.get({ id: eventId }) ?? null;
  }


  listByState(states: readonly HandoffState[]): HandoffRow[] {
    return this.db.select().from(handoffs).where(inArray(handoffs.state, [...states])).orderBy(asc(handoffs.id)).all();
  }

  /** Inserts a handoff with its first event, unique values and notifications. Returns the new row and the event id. */
  create(tx: Tx, row: NewHandoff, event: NewEvent, unique: readonly UniqueValue[], notify: (handoffId: number, eventId: number) => Notification[]): { handoff: HandoffRow; eventId: number } {
    const handoff = tx.insert(handoffs).values(row).returning().get();
    this.claimUnique(tx, handoff, unique);
    const eventId = this.insertEvent(tx, handoff.id, event);
    this.enqueue(tx, notify(handoff.id, eventId), event.at);
    return { handoff, eventId };
  }

  /**
   * Applies a transition if nobody changed the handoff since `expectedVersion`, else throws VersionConflict.
   * Unique values are released when the handoff closes and replaced when `unique` is given.
   */
  applyTransition(
    tx: Tx,
    id: number,
    expectedVersion: number,
    patch: HandoffPatch,
    event: NewEvent,
    opts: { unique?: readonly UniqueValue[]; release?: boolean; notify: (eventId: number) => Notification[] },
  ): { handoff: HandoffRow; eventId: number } {
    const updated = tx
      .update(handoffs)
      .set({ ...patch, version: sql`${handoffs.version} + 1` })
      .where(and(eq(handoffs.id, id), eq(handoffs.version, expectedVersion)))
      .returning()
      .get();
    if (!updated) throw new VersionConflict(id);
    if (opts.release || opts.unique) tx.delete(uniqueValues).where(eq(uniqueValues.handoffId, id)).run();
    if (opts.unique) this.claimUnique(tx, updated, opts.unique);
    const eventId = this.insertEvent(tx, id, event);
    this.enqueue(tx, opts.notify(eventId), event.at);
    return { handoff: updated, eventId };
  }

  /** Records where the channel post lives; not a state change, so the version stays. */
  setSourcePermalink(id: number, permalink: string): void {
    this.db.update(handoffs).set({ sourcePermalink: permalink }).where(eq(handoffs.id, id)).run();
  }

  setPost(id: number, channelId: string, messageTs: string, permalink: string | null): void {
    this.db.update(handoffs).set({ channelId, messageTs, permalink }).where(eq(handoffs.id, id)).run();
  }

  private claimUnique(tx: Tx, handoff: HandoffRow, unique: readonly UniqueValue[]): void {
    for (const u of unique) {
      const holder = this.findUniqueHolder(handoff.typeKey, u.fieldKey, u.value, tx);
      if (holder && holder.id !== handoff.id) throw new UniqueConflict(u.fieldKey, holder.id);
      tx.insert(uniqueValues).values({ typeKey: handoff.typeKey, fieldKey: u.fieldKey, value: u.value, handoffId: handoff.id }).onConflictDoNothing().run();
    }
  }

  insertEvent(tx: Tx, handoffId: number, e: NewEvent): number {
    // Prepared on the connection, so it runs inside the caller's transaction.
    const eventId = (this.insertEventStatement.get({ handoffId, type: e.type, actorId: e.actorId, at: e.at, fromState: e.fromState, toState: e.toState, data: e.data }) as { id: number }).id;
    this.enqueue(tx, this.onEvent(handoffId, eventId, e.type), e.at);
    return eventId;
  }

  /** Called inside the transaction `_tx` that writes the change: the prepared insert runs on the same connection. */
  enqueue(_tx: Tx, notifications: readonly OutboxMessage[], at: Date): void {
    for (const n of notifications) this.enqueueStatement.run({ handoffId: n.handoffId ?? null, kind: n.type, lane: laneOf(n), payload: n, at });
  }
}

export type { FieldValues };
