import type { FieldValues } from '../domain/fields.js';
import type { EventType, HandoffState } from '../domain/lifecycle.js';
import { laneOf, type Notification, type OutboxMessage } from '../domain/notifications.js';
import type { Db, Tx } from './open-db.js';
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { dmChannels, type EventRow, events, type HandoffRow, handoffs, messageSources, outbox, uniqueValues } from './schema.js';

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

/** An event as written, for what follows its commit (logs, metrics). */
export interface WrittenEvent {
  readonly handoffId: number;
  readonly eventId: number;
  readonly type: EventType;
  readonly actorId: string;
  readonly fromState: string | null;
  readonly toState: string | null;
}

/** One handoff's part in `applyTransitions`: its events in order, and the row as it is after the last one. */
export interface TransitionBatchItem {
  readonly id: number;
  readonly expectedVersion: number;
  /** The columns after all of `events`; every item of a batch sets the same columns. */
  readonly patch: HandoffPatch;
  readonly events: readonly NewEvent[];
  /** Its notifications, given the ids of its events in the same order. */
  readonly notify: (eventIds: readonly number[]) => Notification[];
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

/** A prepared statement that returns the handoff row it wrote (drizzle's typing of placeholder values aside). */
interface RowWrite {
  get(values: Record<string, unknown>): HandoffRow | undefined;
}

/**
 * The columns of a prepared write: a placeholder for each column given a value, SQL NULL for each given
 * null (drizzle would hand a null placeholder to the column's encoder: JSON "null", or a crash for a
 * timestamp). `shape` names the statement, so writes of the same columns share one.
 */
function preparedColumns(values: Record<string, unknown>): { shape: string; columns: Record<string, unknown> } {
  const keys = Object.keys(values)
    .filter((k) => values[k] !== undefined)
    .sort();
  return {
    shape: keys.map((k) => (values[k] === null ? `${k}=null` : k)).join(','),
    columns: Object.fromEntries(keys.map((k) => [k, values[k] === null ? null : sql.placeholder(k)])),
  };
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
  private readonly uniqueHolderStatement;
  private readonly claimUniqueStatement;
  private readonly setPostStatement;
  /** Inserts and transition updates by the columns they write (a handful of shapes: one per kind of change). */
  private readonly rowWrites = new Map<string, RowWrite>();
  private readonly stepWrites = new Map<string, { run(values: Record<string, unknown>): { changes: number } }>();
  /** Events written by the transaction in progress, told to `onCommitted` once it commits. */
  private written: WrittenEvent[] | null = null;

  constructor(
    private readonly db: Db,
    /** More outbox messages for every event written, in the same transaction (webhook deliveries). */
    private readonly onEvent: (handoffId: number, eventId: number, type: EventType) => OutboxMessage[] = () => [],
    /** The events of a transaction, after it committed (logs, metrics). */
    private readonly onCommitted: (events: readonly WrittenEvent[]) => void = () => undefined,
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
    this.uniqueHolderStatement = db
      .select({ handoffId: uniqueValues.handoffId })
      .from(uniqueValues)
      .where(and(eq(uniqueValues.typeKey, p('typeKey')), eq(uniqueValues.fieldKey, p('fieldKey')), eq(uniqueValues.value, p('value'))))
      .prepare();
    this.claimUniqueStatement = db.insert(uniqueValues).values({ typeKey: p('typeKey'), fieldKey: p('fieldKey'), value: p('value'), handoffId: p('handoffId') }).onConflictDoNothing().prepare();
    // drizzle runs placeholders in set() (as in values()) but does not type them there.
    this.setPostStatement = db
      .update(handoffs)
      .set({ channelId: p('channelId'), messageTs: p('messageTs'), permalink: p('permalink') } as never)
      .where(eq(handoffs.id, p('id')))
      .prepare();
  }

  /** The prepared statement for writes of this shape, made the first time. */
  private rowWrite(kind: 'insert' | 'update', values: Record<string, unknown>): RowWrite {
    const { shape, columns } = preparedColumns(values);
    const key = `${kind}:${shape}`;
    let statement = this.rowWrites.get(key);
    if (!statement) {
      const p = sql.placeholder;
      statement = (
        kind === 'insert'
          ? this.db.insert(handoffs).values(columns as never).returning().prepare()
          : this.db
              .update(handoffs)
              .set({ ...columns, version: sql`${handoffs.version} + 1` })
              .where(and(eq(handoffs.id, p('whereId')), eq(handoffs.version, p('whereVersion'))))
              .returning()
              .prepare()
      ) as RowWrite;
      this.rowWrites.set(key, statement);
    }
    return statement;
  }

  /** The prepared update of `applyTransitions` for these columns, made the first time; the version goes up by `steps`. */
  private stepsWrite(patch: HandoffPatch): { run(values: Record<string, unknown>): { changes: number } } {
    const { shape, columns } = preparedColumns(patch);
    let statement = this.stepWrites.get(shape);
    if (!statement) {
      const p = sql.placeholder;
      statement = this.db
        .update(handoffs)
        .set({ ...columns, version: sql`${handoffs.version} + ${p('steps')}` })
        .where(and(eq(handoffs.id, p('whereId')), eq(handoffs.version, p('whereVersion'))))
        .prepare() as unknown as { run(values: Record<string, unknown>): { changes: number } };
      this.stepWrites.set(shape, statement);
    }
    return statement;
  }

  /** One transaction per change: a write is committed before whoever awaited it acks Slack. */
  transaction<T>(fn: (tx: Tx) => T): T {
    if (this.written) return this.db.transaction(fn, { behavior: 'immediate' });
    this.written = [];
    try {
      const result = this.db.transaction(fn, { behavior: 'immediate' });
      if (this.written.length > 0) this.onCommitted(this.written);
      return result;
    } finally {
      this.written = null;
    }
  }

  findById(id: number): HandoffRow | null {
    return this.byId.get({ id }) ?? null;
  }

  findBySubmissionKey(key: string): HandoffRow | null {
    return this.bySubmissionKey.get({ key }) ?? null;
  }

  /** The next step started from a handoff, if any (the first, should there be several). */
  findChild(parentId: number): HandoffRow | null {
    return this.db.select().from(handoffs).where(eq(handoffs.parentId, parentId)).orderBy(asc(handoffs.id)).limit(1).get() ?? null;
  }

  /** Remembers the message a modal was opened from; entries older than `forgetBefore` go. */
  rememberMessageSource(viewId: string, userId: string, source: { channel: string; ts: string }, at: Date, forgetBefore: Date): void {
    this.transaction((tx) => {
      tx.delete(messageSources).where(lt(messageSources.createdAt, forgetBefore)).run();
      tx.insert(messageSources)
        .values({ viewId, userId, channel: source.channel, ts: source.ts, createdAt: at })
        .onConflictDoUpdate({ target: messageSources.viewId, set: { userId, channel: source.channel, ts: source.ts, createdAt: at } })
        .run();
    });
  }

  /** The message the modal `viewId` was opened from by `userId`, or null. */
  findMessageSource(viewId: string, userId: string): { channel: string; ts: string } | null {
    const row = this.db.select().from(messageSources).where(and(eq(messageSources.viewId, viewId), eq(messageSources.userId, userId))).get();
    return row ? { channel: row.channel, ts: row.ts } : null;
  }

  /** Ids of the accepted handoffs a person owns. */
  listOwnedAccepted(userId: string): number[] {
    return this.db
      .select({ id: handoffs.id })
      .from(handoffs)
      .where(and(eq(handoffs.ownerId, userId), eq(handoffs.state, 'accepted')))
      .all()
      .map((r) => r.id);
  }

  /** A person's DM channel with the bot, once a message to them told us; null before. */
  findDmChannel(userId: string): string | null {
    return this.db.select({ channelId: dmChannels.channelId }).from(dmChannels).where(eq(dmChannels.userId, userId)).get()?.channelId ?? null;
  }

  saveDmChannel(userId: string, channelId: string, at: Date): void {
    this.db.insert(dmChannels).values({ userId, channelId, at }).onConflictDoUpdate({ target: dmChannels.userId, set: { channelId, at } }).run();
  }

  /** The open handoff that holds a unique value, if any. */
  findUniqueHolder(typeKey: string, fieldKey: string, value: string): HandoffRow | null {
    const row = this.uniqueHolderStatement.get({ typeKey, fieldKey, value });
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
    // Prepared statements run on the one connection, so inside the caller's transaction.
    const handoff = this.rowWrite('insert', row).get(row) as HandoffRow;
    this.claimUnique(handoff, unique);
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
    const updated = this.rowWrite('update', patch).get({ ...patch, whereId: id, whereVersion: expectedVersion });
    if (!updated) throw new VersionConflict(id);
    if (opts.release || opts.unique) tx.delete(uniqueValues).where(eq(uniqueValues.handoffId, id)).run();
    if (opts.unique) this.claimUnique(updated, opts.unique);
    const eventId = this.insertEvent(tx, id, event);
    this.enqueue(tx, opts.notify(eventId), event.at);
    return { handoff: updated, eventId };
  }

  /**
   * `applyTransition` for many handoffs, each with one or more events, in the caller's transaction:
   * one version-checked UPDATE per handoff (the version goes up by one per event), its events and
   * its outbox messages, all prepared statements (building a statement costs more than running it).
   * Throws VersionConflict when a row changed since it was read (the transaction rolls back). No
   * unique values are touched.
   */
  applyTransitions(tx: Tx, items: readonly TransitionBatchItem[]): void {
    for (const c of items) {
      const { changes } = this.stepsWrite(c.patch).run({ ...c.patch, whereId: c.id, whereVersion: c.expectedVersion, steps: c.events.length });
      if (changes === 0) throw new VersionConflict(c.id);
      const eventIds = c.events.map((e) => this.insertEvent(tx, c.id, e));
      const at = c.events.at(-1)?.at;
      if (at) this.enqueue(tx, c.notify(eventIds), at);
    }
  }

  /** Records where the channel post lives; not a state change, so the version stays. */
  setSourcePermalink(id: number, permalink: string): void {
    this.db.update(handoffs).set({ sourcePermalink: permalink }).where(eq(handoffs.id, id)).run();
  }

  setPost(id: number, channelId: string, messageTs: string, permalink: string | null): void {
    this.setPostStatement.run({ id, channelId, messageTs, permalink });
  }

  private claimUnique(handoff: HandoffRow, unique: readonly UniqueValue[]): void {
    for (const u of unique) {
      const holder = this.findUniqueHolder(handoff.typeKey, u.fieldKey, u.value);
      if (holder && holder.id !== handoff.id) throw new UniqueConflict(u.fieldKey, holder.id);
      this.claimUniqueStatement.run({ typeKey: handoff.typeKey, fieldKey: u.fieldKey, value: u.value, handoffId: handoff.id });
    }
  }

  insertEvent(tx: Tx, handoffId: number, e: NewEvent): number {
    // Prepared on the connection, so it runs inside the caller's transaction.
    const eventId = (this.insertEventStatement.get({ handoffId, type: e.type, actorId: e.actorId, at: e.at, fromState: e.fromState, toState: e.toState, data: e.data }) as { id: number }).id;
    this.enqueue(tx, this.onEvent(handoffId, eventId, e.type), e.at);
    this.written?.push({ handoffId, eventId, type: e.type, actorId: e.actorId, fromState: e.fromState, toState: e.toState });
    return eventId;
  }

  /** Handoffs per state and receiving team (for /metrics). */
  countByStateAndTeam(): Array<{ state: string; team: string; count: number }> {
    return this.db
      .select({ state: handoffs.state, team: handoffs.toTeam, count: sql<number>`count(*)` })
      .from(handoffs)
      .groupBy(handoffs.state, handoffs.toTeam)
      .all();
  }

  /** Called inside the transaction `_tx` that writes the change: the prepared insert runs on the same connection. */
  enqueue(_tx: Tx, notifications: readonly OutboxMessage[], at: Date): void {
    for (const n of notifications) this.enqueueStatement.run({ handoffId: n.handoffId ?? null, kind: n.type, lane: laneOf(n), payload: n, at });
  }
}

export type { FieldValues };
