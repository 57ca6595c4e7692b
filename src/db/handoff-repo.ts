import type { FieldValues } from '../domain/fields.js';
import type { EventType, HandoffState } from '../domain/lifecycle.js';
import { laneOf, type Notification, type OutboxMessage } from '../domain/notifications.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, Statement, Tx } from './database.js';
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { ApprovalMessageRow, EventRow, HandoffRow } from './schema.js';

type NewHandoffRow = (typeof import('./schema.js'))['handoffs']['$inferInsert'];
export type NewHandoff = Omit<NewHandoffRow, 'id' | 'version'>;
export type HandoffPatch = Partial<Omit<NewHandoffRow, 'id' | 'version'>>;

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
type RowWrite = Statement<HandoffRow[]>;

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
  private readonly stepWrites = new Map<string, Statement<Array<{ id: number }>>>();
  /** Events written by the transaction of the current async context, told to `onCommitted` once it commits. */
  private readonly written = new AsyncLocalStorage<WrittenEvent[]>();

  constructor(
    private readonly database: Database,
    /** More outbox messages for every event written, in the same transaction (webhook deliveries). */
    private readonly onEvent: (handoffId: number, eventId: number, type: EventType) => OutboxMessage[] = () => [],
    /** The events of a transaction, after it committed (logs, metrics). */
    private readonly onCommitted: (events: readonly WrittenEvent[]) => void = () => undefined,
  ) {
    const { handoffs, events, outbox, uniqueValues } = database.schema;
    this.byId = database.prepare((db) => db.select().from(handoffs).where(eq(handoffs.id, sql.placeholder('id'))).limit(1).prepare());
    this.eventById = database.prepare((db) => db.select().from(events).where(eq(events.id, sql.placeholder('id'))).limit(1).prepare());
    this.bySubmissionKey = database.prepare((db) => db.select().from(handoffs).where(eq(handoffs.submissionKey, sql.placeholder('key'))).limit(1).prepare());
    const p = sql.placeholder;
    this.insertEventStatement = database.prepare((db) =>
      db
      .insert(events)
      .values({ handoffId: p('handoffId'), type: p('type'), actorId: p('actorId'), at: p('at'), fromState: p('fromState'), toState: p('toState'), data: p('data') })
      .returning({ id: events.id })
      .prepare(),
    );
    this.enqueueStatement = database.prepare((db) =>
      db
      .insert(outbox)
      .values({ handoffId: p('handoffId'), kind: p('kind'), lane: p('lane'), payload: p('payload'), createdAt: p('at'), nextAttemptAt: p('at') })
      .prepare(),
    );
    this.uniqueHolderStatement = database.prepare((db) =>
      db
      .select({ handoffId: uniqueValues.handoffId })
      .from(uniqueValues)
      .where(and(eq(uniqueValues.typeKey, p('typeKey')), eq(uniqueValues.fieldKey, p('fieldKey')), eq(uniqueValues.value, p('value'))))
      .limit(1)
      .prepare(),
    );
    this.claimUniqueStatement = database.prepare((db) =>
      db.insert(uniqueValues).values({ typeKey: p('typeKey'), fieldKey: p('fieldKey'), value: p('value'), handoffId: p('handoffId') }).onConflictDoNothing().prepare(),
    );
    // drizzle runs placeholders in set() (as in values()) but does not type them there.
    this.setPostStatement = database.prepare((db) =>
      db
      .update(handoffs)
      .set({ channelId: p('channelId'), messageTs: p('messageTs'), permalink: p('permalink') } as never)
      .where(eq(handoffs.id, p('id')))
      .prepare(),
    );
  }

  /** The prepared statement for writes of this shape, made the first time. */
  private rowWrite(kind: 'insert' | 'update', values: Record<string, unknown>): RowWrite {
    const { shape, columns } = preparedColumns(values);
    const key = `${kind}:${shape}`;
    let statement = this.rowWrites.get(key);
    if (!statement) {
      const p = sql.placeholder;
      const { handoffs } = this.database.schema;
      statement = this.database.prepare(
        (db) =>
          (kind === 'insert'
            ? db.insert(handoffs).values(columns as never).returning().prepare()
            : db
                .update(handoffs)
                .set({ ...columns, version: sql`${handoffs.version} + 1` })
                .where(and(eq(handoffs.id, p('whereId')), eq(handoffs.version, p('whereVersion'))))
                .returning()
                .prepare()) as RowWrite,
      );
      this.rowWrites.set(key, statement);
    }
    return statement;
  }

  /** The prepared update of `applyTransitions` for these columns, made the first time; the version goes up by `steps`. */
  private stepsWrite(patch: HandoffPatch): Statement<Array<{ id: number }>> {
    const { shape, columns } = preparedColumns(patch);
    let statement = this.stepWrites.get(shape);
    if (!statement) {
      const p = sql.placeholder;
      const { handoffs } = this.database.schema;
      statement = this.database.prepare((db) =>
        db
          .update(handoffs)
          .set({ ...columns, version: sql`${handoffs.version} + ${p('steps')}` })
          .where(and(eq(handoffs.id, p('whereId')), eq(handoffs.version, p('whereVersion'))))
          .returning({ id: handoffs.id })
          .prepare(),
      );
      this.stepWrites.set(shape, statement);
    }
    return statement;
  }

  /** One transaction per change: a write is committed before whoever awaited it acks Slack. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.written.getStore() && this.database.inTransaction()) return this.database.transaction(fn);
    const written: WrittenEvent[] = [];
    const result = await this.written.run(written, () => this.database.transaction(fn));
    if (written.length > 0) this.onCommitted(written);
    return result;
  }

  async findById(id: number): Promise<HandoffRow | null> {
    return (await this.byId.execute({ id }))[0] ?? null;
  }

  async findBySubmissionKey(key: string): Promise<HandoffRow | null> {
    return (await this.bySubmissionKey.execute({ key }))[0] ?? null;
  }

  /** The next step started from a handoff, if any (the first, should there be several). */
  async findChild(parentId: number): Promise<HandoffRow | null> {
    const { handoffs } = this.database.schema;
    return (await this.database.db.select().from(handoffs).where(eq(handoffs.parentId, parentId)).orderBy(asc(handoffs.id)).limit(1))[0] ?? null;
  }

  /** Remembers the message a modal was opened from; entries older than `forgetBefore` go. */
  async rememberMessageSource(viewId: string, userId: string, source: { channel: string; ts: string }, at: Date, forgetBefore: Date): Promise<void> {
    const { messageSources } = this.database.schema;
    await this.transaction(async (tx) => {
      await tx.delete(messageSources).where(lt(messageSources.createdAt, forgetBefore));
      await tx
        .insert(messageSources)
        .values({ viewId, userId, channel: source.channel, ts: source.ts, createdAt: at })
        .onConflictDoUpdate({ target: messageSources.viewId, set: { userId, channel: source.channel, ts: source.ts, createdAt: at } });
    });
  }

  /** The message the modal `viewId` was opened from by `userId`, or null. */
  async findMessageSource(viewId: string, userId: string): Promise<{ channel: string; ts: string } | null> {
    const { messageSources } = this.database.schema;
    const [row] = await this.database.db.select().from(messageSources).where(and(eq(messageSources.viewId, viewId), eq(messageSources.userId, userId))).limit(1);
    return row ? { channel: row.channel, ts: row.ts } : null;
  }

  /** Ids of the accepted handoffs a person owns. */
  async listOwnedAccepted(userId: string): Promise<number[]> {
    const { handoffs } = this.database.schema;
    const rows = await this.database.db
      .select({ id: handoffs.id })
      .from(handoffs)
      .where(and(eq(handoffs.ownerId, userId), eq(handoffs.state, 'accepted')));
    return rows.map((r) => r.id);
  }

  /** A person's DM channel with the bot, once a message to them told us; null before. */
  async findDmChannel(userId: string): Promise<string | null> {
    const { dmChannels } = this.database.schema;
    return (await this.database.db.select({ channelId: dmChannels.channelId }).from(dmChannels).where(eq(dmChannels.userId, userId)).limit(1))[0]?.channelId ?? null;
  }

  async saveDmChannel(userId: string, channelId: string, at: Date): Promise<void> {
    const { dmChannels } = this.database.schema;
    await this.database.transaction(async (tx) => {
      await tx.insert(dmChannels).values({ userId, channelId, at }).onConflictDoUpdate({ target: dmChannels.userId, set: { channelId, at } });
    });
  }

  /** Remembers a DM that asked someone to approve a handoff; a retry that posted the same message adds nothing. */
  async saveApprovalMessage(row: ApprovalMessageRow): Promise<void> {
    const { approvalMessages } = this.database.schema;
    await this.database.transaction(async (tx) => {
      await tx.insert(approvalMessages).values(row).onConflictDoNothing();
    });
  }

  /** The approval DMs of a handoff not yet updated with the decision, oldest first. */
  async listApprovalMessages(handoffId: number): Promise<ApprovalMessageRow[]> {
    const { approvalMessages } = this.database.schema;
    return this.database.db.select().from(approvalMessages).where(eq(approvalMessages.handoffId, handoffId)).orderBy(asc(approvalMessages.eventId));
  }

  /** Forgets an approval DM once it shows the decision. */
  async deleteApprovalMessage(channel: string, ts: string): Promise<void> {
    const { approvalMessages } = this.database.schema;
    await this.database.transaction(async (tx) => {
      await tx.delete(approvalMessages).where(and(eq(approvalMessages.channel, channel), eq(approvalMessages.ts, ts)));
    });
  }

  /** The open handoff that holds a unique value, if any. */
  async findUniqueHolder(typeKey: string, fieldKey: string, value: string): Promise<HandoffRow | null> {
    const [row] = await this.uniqueHolderStatement.execute({ typeKey, fieldKey, value });
    return row ? this.findById(row.handoffId) : null;
  }

  async listEvents(handoffId: number): Promise<EventRow[]> {
    const { events } = this.database.schema;
    return this.database.db.select().from(events).where(eq(events.handoffId, handoffId)).orderBy(asc(events.id));
  }

  async findEvent(eventId: number): Promise<EventRow | null> {
    return (await this.eventById.execute({ id: eventId }))[0] ?? null;
  }


  async listByState(states: readonly HandoffState[]): Promise<HandoffRow[]> {
    const { handoffs } = this.database.schema;
    return this.database.db.select().from(handoffs).where(inArray(handoffs.state, [...states])).orderBy(asc(handoffs.id));
  }

  /** Inserts a handoff with its first event, unique values and notifications. Returns the new row and the event id. */
  async create(tx: Tx, row: NewHandoff, event: NewEvent, unique: readonly UniqueValue[], notify: (handoffId: number, eventId: number) => Notification[]): Promise<{ handoff: HandoffRow; eventId: number }> {
    // Prepared statements run in the caller's transaction (Database.prepare).
    const [handoff] = (await this.rowWrite('insert', row).execute(row)) as [HandoffRow];
    await this.claimUnique(handoff, unique);
    const eventId = await this.insertEvent(tx, handoff.id, event);
    await this.enqueue(tx, notify(handoff.id, eventId), event.at);
    return { handoff, eventId };
  }

  /**
   * Applies a transition if nobody changed the handoff since `expectedVersion`, else throws VersionConflict.
   * Unique values are released when the handoff closes and replaced when `unique` is given.
   */
  async applyTransition(
    tx: Tx,
    id: number,
    expectedVersion: number,
    patch: HandoffPatch,
    event: NewEvent,
    opts: { unique?: readonly UniqueValue[]; release?: boolean; notify: (eventId: number) => Notification[] },
  ): Promise<{ handoff: HandoffRow; eventId: number }> {
    const { uniqueValues } = this.database.schema;
    const [updated] = await this.rowWrite('update', patch).execute({ ...patch, whereId: id, whereVersion: expectedVersion });
    if (!updated) throw new VersionConflict(id);
    if (opts.release || opts.unique) await tx.delete(uniqueValues).where(eq(uniqueValues.handoffId, id));
    if (opts.unique) await this.claimUnique(updated, opts.unique);
    const eventId = await this.insertEvent(tx, id, event);
    await this.enqueue(tx, opts.notify(eventId), event.at);
    return { handoff: updated, eventId };
  }

  /**
   * `applyTransition` for many handoffs, each with one or more events, in the caller's transaction:
   * one version-checked UPDATE per handoff (the version goes up by one per event), its events and
   * its outbox messages, all prepared statements (building a statement costs more than running it).
   * Throws VersionConflict when a row changed since it was read (the transaction rolls back). No
   * unique values are touched.
   */
  async applyTransitions(tx: Tx, items: readonly TransitionBatchItem[]): Promise<void> {
    for (const c of items) {
      const updated = await this.stepsWrite(c.patch).execute({ ...c.patch, whereId: c.id, whereVersion: c.expectedVersion, steps: c.events.length });
      if (updated.length === 0) throw new VersionConflict(c.id);
      const eventIds: number[] = [];
      for (const e of c.events) eventIds.push(await this.insertEvent(tx, c.id, e));
      const at = c.events.at(-1)?.at;
      if (at) await this.enqueue(tx, c.notify(eventIds), at);
    }
  }

  /** Records where the channel post lives; not a state change, so the version stays. */
  async setSourcePermalink(id: number, permalink: string): Promise<void> {
    const { handoffs } = this.database.schema;
    await this.database.transaction(async (tx) => {
      await tx.update(handoffs).set({ sourcePermalink: permalink }).where(eq(handoffs.id, id));
    });
  }

  async setPost(id: number, channelId: string, messageTs: string, permalink: string | null): Promise<void> {
    await this.database.transaction(async () => {
      await this.setPostStatement.execute({ id, channelId, messageTs, permalink });
    });
  }

  private async claimUnique(handoff: HandoffRow, unique: readonly UniqueValue[]): Promise<void> {
    for (const u of unique) {
      const holder = await this.findUniqueHolder(handoff.typeKey, u.fieldKey, u.value);
      if (holder && holder.id !== handoff.id) throw new UniqueConflict(u.fieldKey, holder.id);
      await this.claimUniqueStatement.execute({ typeKey: handoff.typeKey, fieldKey: u.fieldKey, value: u.value, handoffId: handoff.id });
    }
  }

  async insertEvent(tx: Tx, handoffId: number, e: NewEvent): Promise<number> {
    // Prepared statements run in the caller's transaction (Database.prepare).
    const [{ id: eventId }] = (await this.insertEventStatement.execute({ handoffId, type: e.type, actorId: e.actorId, at: e.at, fromState: e.fromState, toState: e.toState, data: e.data })) as [{ id: number }];
    await this.enqueue(tx, this.onEvent(handoffId, eventId, e.type), e.at);
    this.written.getStore()?.push({ handoffId, eventId, type: e.type, actorId: e.actorId, fromState: e.fromState, toState: e.toState });
    return eventId;
  }

  /** Handoffs per state and receiving team (for /metrics). */
  async countByStateAndTeam(): Promise<Array<{ state: string; team: string; count: number }>> {
    const { handoffs } = this.database.schema;
    const rows = await this.database.db
      .select({ state: handoffs.state, team: handoffs.toTeam, count: sql<number>`count(*)` })
      .from(handoffs)
      .groupBy(handoffs.state, handoffs.toTeam);
    // Postgres counts in bigint, which its driver returns as a string.
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  /** Called inside the transaction `_tx` that writes the change: the prepared insert runs in it (Database.prepare). */
  async enqueue(_tx: Tx, notifications: readonly OutboxMessage[], at: Date): Promise<void> {
    for (const n of notifications) await this.enqueueStatement.execute({ handoffId: n.handoffId ?? null, kind: n.type, lane: laneOf(n), payload: n, at });
  }
}

export type { FieldValues };
