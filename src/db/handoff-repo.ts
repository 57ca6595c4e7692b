import type { FieldValues } from '../domain/fields.js';
import type { EventType, HandoffState } from '../domain/lifecycle.js';
import { laneOf, type Notification, type OutboxMessage } from '../domain/notifications.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, RawStatement, Statement, Tx } from './database.js';
import { qualityKindOf } from '../domain/quality-metrics.js';
import { QualityRepo } from './quality-repo.js';
import { and, asc, type Column, eq, inArray, lt, sql } from 'drizzle-orm';
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

/**
 * Row counts of the multi-row statements of `applyTransitions`. Each (statement, size) is prepared
 * once; any number of rows is written as a sum of these, so a chunk of 500 handoffs takes about
 * eight statements per table instead of one per row. On Postgres each statement is a round trip:
 * with 64 rows at most, a pass of 2,000 offers took 196 statements and 1.4 s, with 256 it takes
 * 112 and 0.6 s (bench: pgrouting); SQLite does not mind. 256 rows of the widest statement stay
 * far below SQLite's 32,766 and Postgres' 65,535 bound parameters.
 */
const BLOCKS = [256, 64, 16, 4, 1] as const;

/** `[start, size]` of the blocks that cover `n` rows, largest first. */
function blocksOf(n: number): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  let start = 0;
  for (const size of BLOCKS) {
    for (; n - start >= size; start += size) blocks.push([start, size]);
  }
  return blocks;
}

/** Whether `patch` gives a value (null included) to exactly the columns `keys`. Checked per handoff of a batch, so without sorting or joining. */
function setsExactly(patch: Record<string, unknown>, keys: readonly string[]): boolean {
  let given = 0;
  for (const k in patch) if (patch[k] !== undefined) given++;
  if (given !== keys.length) return false;
  for (const k of keys) if (patch[k] === undefined) return false;
  return true;
}

/** The columns of `eventsInsert`, in the order of its parameters. */
const EVENT_COLUMNS = '"handoff_id", "type", "actor_id", "at", "from_state", "to_state", "data"';
/** The columns of `outboxInsert`, in the order of its parameters; the others take their defaults. */
const OUTBOX_COLUMNS = '"handoff_id", "kind", "lane", "payload", "created_at", "next_attempt_at"';

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
  /** The multi-row statements of `applyTransitions`, by what they write and how many rows. */
  private readonly batchWrites = new Map<string, RawStatement>();
  /** Events written by the transaction of the current async context, told to `onCommitted` once it commits. */
  private readonly written = new AsyncLocalStorage<WrittenEvent[]>();
  /** Every quality event's fact and day sums go in with the event: insights never drift from the history. */
  private readonly quality: QualityRepo;

  constructor(
    private readonly database: Database,
    /** More outbox messages for every event written, in the same transaction (webhook deliveries). */
    private readonly onEvent: (handoffId: number, eventId: number, type: EventType) => OutboxMessage[] = () => [],
    /** The events of a transaction, after it committed (logs, metrics). */
    private readonly onCommitted: (events: readonly WrittenEvent[]) => void = () => undefined,
  ) {
    const { handoffs, events, outbox, uniqueValues } = database.schema;
    this.quality = new QualityRepo(database);
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
      db.insert(uniqueValues).values({ typeKey: p('typeKey'), fieldKey: p('fieldKey'), value: p('value'), handoffId: p('handoffId') }).onConflictDoNothing().returning({ handoffId: uniqueValues.handoffId }).prepare(),
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

  /** The statement of `key`, its SQL text made by `text` the first time. */
  private batchWrite(key: string, text: () => string): RawStatement {
    let statement = this.batchWrites.get(key);
    if (!statement) {
      statement = this.database.prepareRaw(text());
      this.batchWrites.set(key, statement);
    }
    return statement;
  }

  /** `size` rows of `width` parameters each, `(?, ?), (?, ?)` in this dialect; `cell` may wrap parameter `j` of row `i`. */
  private valuesList(size: number, width: number, cell: (param: string, i: number, j: number) => string = (param) => param): string {
    const rows: string[] = [];
    for (let i = 0, n = 0; i < size; i++) {
      const cells: string[] = [];
      for (let j = 0; j < width; j++, n++) cells.push(cell(this.database.param(n), i, j));
      rows.push(`(${cells.join(', ')})`);
    }
    return rows.join(', ');
  }

  /**
   * The version-checked UPDATE of `size` handoffs to the columns `keys`, each row its own values:
   * a join with a VALUES list (UPDATE … FROM, in SQLite since 3.33 and in Postgres), whose columns
   * both name column1, column2 …: id, expected version, steps (the version goes up by that many),
   * then `keys` in order. Returns the ids it updated. The values are encoded by the caller (`batchUpdate`).
   */
  private stepsUpdate(keys: readonly string[], size: number): RawStatement {
    return this.batchWrite(`update:${keys.join(',')}:${size}`, () => {
      const { handoffs } = this.database.schema;
      const columns = keys.map((k) => (handoffs as unknown as Record<string, Column>)[k]);
      const types = ['integer', 'integer', 'integer', ...columns.map((c) => c.getSQLType())];
      // Postgres types a VALUES column from its first row (the other rows' parameters take that
      // type), so only the first row is cast: casts on every row make SQLite plan 256 SELECTs, 50
      // times slower than a plain VALUES list.
      const values = this.valuesList(size, types.length, (param, i, j) => (i === 0 ? `cast(${param} as ${types[j]})` : param));
      const set = columns.map((c, j) => `"${c.name}" = v.column${4 + j}`).join(', ');
      return `update "handoffs" set "version" = "handoffs"."version" + v.column3, ${set} from (values ${values}) as v where "handoffs"."id" = v.column1 and "handoffs"."version" = v.column2 returning "id"`;
    });
  }

  /** A multi-row insert of `size` events (`EVENT_COLUMNS`), returning their ids with their handoffs. */
  private eventsInsert(size: number): RawStatement {
    return this.batchWrite(`events:${size}`, () => `insert into "events" (${EVENT_COLUMNS}) values ${this.valuesList(size, 7)} returning "id", "handoff_id"`);
  }

  /** A multi-row insert of `size` outbox messages (`OUTBOX_COLUMNS`). */
  private outboxInsert(size: number): RawStatement {
    return this.batchWrite(`outbox:${size}`, () => `insert into "outbox" (${OUTBOX_COLUMNS}) values ${this.valuesList(size, 6)}`);
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
    await this.database.atomic((db) => db.insert(dmChannels).values({ userId, channelId, at }).onConflictDoUpdate({ target: dmChannels.userId, set: { channelId, at } }));
  }

  /** Remembers a DM that asked someone to approve a handoff; a retry that posted the same message adds nothing. */
  async saveApprovalMessage(row: ApprovalMessageRow): Promise<void> {
    const { approvalMessages } = this.database.schema;
    await this.database.atomic((db) => db.insert(approvalMessages).values(row).onConflictDoNothing());
  }

  /** The approval DMs of a handoff not yet updated with the decision, oldest first. */
  async listApprovalMessages(handoffId: number): Promise<ApprovalMessageRow[]> {
    const { approvalMessages } = this.database.schema;
    return this.database.db.select().from(approvalMessages).where(eq(approvalMessages.handoffId, handoffId)).orderBy(asc(approvalMessages.eventId));
  }

  /** Forgets an approval DM once it shows the decision. */
  async deleteApprovalMessage(channel: string, ts: string): Promise<void> {
    const { approvalMessages } = this.database.schema;
    await this.database.atomic((db) => db.delete(approvalMessages).where(and(eq(approvalMessages.channel, channel), eq(approvalMessages.ts, ts))));
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
   * `applyTransition` for many handoffs, each with one or more events, in the caller's transaction,
   * with the same rows, ids and outbox order as one `applyTransition` after another: the
   * version-checked UPDATEs of all handoffs (the version goes up by one per event), then all their
   * events, then all their outbox messages, each in a few multi-row statements (BLOCKS). Throws
   * VersionConflict when a row changed since it was read (the transaction rolls back). No unique
   * values are touched.
   */
  async applyTransitions(_tx: Tx, items: readonly TransitionBatchItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.batchUpdate(items);
    const rows: Array<{ handoffId: number; event: NewEvent }> = [];
    for (const c of items) for (const event of c.events) rows.push({ handoffId: c.id, event });
    const eventIds = await this.insertEvents(rows);
    // In the order one change after another would queue them: per handoff, each event's webhooks, then its notifications.
    const messages: Array<{ message: OutboxMessage; at: Date }> = [];
    let next = 0;
    for (const c of items) {
      const ids = eventIds.slice(next, next + c.events.length);
      next += c.events.length;
      for (let k = 0; k < c.events.length; k++) {
        for (const message of this.onEvent(c.id, ids[k], c.events[k].type)) messages.push({ message, at: c.events[k].at });
      }
      const at = c.events.at(-1)?.at;
      if (at) for (const message of c.notify(ids)) messages.push({ message, at });
    }
    await this.insertOutbox(messages);
  }

  private async batchUpdate(items: readonly TransitionBatchItem[]): Promise<void> {
    const { handoffs } = this.database.schema;
    const keys = Object.keys(items[0].patch)
      .filter((k) => (items[0].patch as Record<string, unknown>)[k] !== undefined)
      .sort();
    const columns = keys.map((k) => (handoffs as unknown as Record<string, Column>)[k]);
    const shape = keys.join(',');
    if (new Set(items.map((c) => c.id)).size !== items.length) throw new Error('applyTransitions: a handoff appears twice in one batch');
    const updated = new Set<number>();
    for (const [start, size] of blocksOf(items.length)) {
      const params: unknown[] = [];
      for (let i = 0; i < size; i++) {
        const c = items[start + i];
        const patch = c.patch as Record<string, unknown>;
        if (!setsExactly(patch, keys)) {
          const own = Object.keys(patch)
            .filter((k) => patch[k] !== undefined)
            .sort()
            .join(',');
          throw new Error(`applyTransitions: every item must set the same columns (${shape}), not ${own}`);
        }
        params.push(c.id, c.expectedVersion, c.events.length);
        // Raw parameters skip the column's encoder: encode here (a Date to epoch ms, JSON to text).
        for (let j = 0; j < columns.length; j++) {
          const value = patch[keys[j]];
          params.push(value === null ? null : columns[j].mapToDriverValue(value));
        }
      }
      for (const [id] of await this.stepsUpdate(keys, size).execute(params)) updated.add(id as number);
    }
    const changed = items.find((c) => !updated.has(c.id));
    if (changed) throw new VersionConflict(changed.id);
  }

  /** Inserts events in this order and returns their ids in the same order; each is logged and gets its webhooks as `insertEvent` does. */
  private async insertEvents(rows: ReadonlyArray<{ handoffId: number; event: NewEvent }>): Promise<number[]> {
    const { events } = this.database.schema;
    const ids: number[] = [];
    for (const [start, size] of blocksOf(rows.length)) {
      const params: unknown[] = [];
      for (let i = 0; i < size; i++) {
        const { handoffId, event: e } = rows[start + i];
        params.push(handoffId, e.type, e.actorId, events.at.mapToDriverValue(e.at), e.fromState, e.toState, events.data.mapToDriverValue(e.data));
      }
      // Ids come from a sequence (Postgres) or the largest rowid (SQLite), so they rise in the order of
      // the VALUES list; RETURNING promises no order, so its rows are sorted, then checked against it.
      const inserted = (await this.eventsInsert(size).execute(params)) as Array<[number, number]>;
      inserted.sort((a, b) => a[0] - b[0]);
      inserted.forEach(([id, handoffId], i) => {
        if (handoffId !== rows[start + i].handoffId) throw new Error('events came back in another order than they were inserted');
        ids.push(id);
      });
    }
    for (const [i, { handoffId, event: e }] of rows.entries()) if (qualityKindOf(e.type, e.fromState)) await this.quality.recordEvent(handoffId, ids[i]);
    const written = this.written.getStore();
    rows.forEach(({ handoffId, event: e }, i) => written?.push({ handoffId, eventId: ids[i], type: e.type, actorId: e.actorId, fromState: e.fromState, toState: e.toState }));
    return ids;
  }

  private async insertOutbox(messages: ReadonlyArray<{ message: OutboxMessage; at: Date }>): Promise<void> {
    const { outbox } = this.database.schema;
    for (const [start, size] of blocksOf(messages.length)) {
      const params: unknown[] = [];
      for (let i = 0; i < size; i++) {
        const { message: n, at } = messages[start + i];
        const when = outbox.createdAt.mapToDriverValue(at);
        params.push(n.handoffId ?? null, n.type, laneOf(n), outbox.payload.mapToDriverValue(n), when, when);
      }
      await this.outboxInsert(size).execute(params);
    }
  }

  /**
   * Holds the handoff's row for the rest of the transaction `tx`, so a check made after it (no next
   * step started yet) cannot be passed by a concurrent transaction too: our portable `SELECT … FOR
   * UPDATE`, a write that changes nothing. On Postgres a second transaction doing the same waits for
   * our commit and then reads what we wrote; on SQLite the transaction holds the write lock already.
   */
  async holdRow(tx: Tx, id: number): Promise<void> {
    const { handoffs } = this.database.schema;
    await tx.update(handoffs).set({ version: sql`${handoffs.version}` }).where(eq(handoffs.id, id));
  }

  /** Records where the channel post lives; not a state change, so the version stays. */
  async setSourcePermalink(id: number, permalink: string): Promise<void> {
    const { handoffs } = this.database.schema;
    await this.database.atomic((db) => db.update(handoffs).set({ sourcePermalink: permalink }).where(eq(handoffs.id, id)));
  }

  async setPost(id: number, channelId: string, messageTs: string, permalink: string | null): Promise<void> {
    await this.database.atomic(() => this.setPostStatement.execute({ id, channelId, messageTs, permalink }));
  }

  private async claimUnique(handoff: HandoffRow, unique: readonly UniqueValue[]): Promise<void> {
    for (const u of unique) {
      // Insert first, look second: a look first would let two instances' transactions (Postgres,
      // READ COMMITTED) both see the value free; the primary key lets only one insert it, and the
      // other's insert waits for that commit, does nothing, and then sees who holds it.
      const inserted = await this.claimUniqueStatement.execute({ typeKey: handoff.typeKey, fieldKey: u.fieldKey, value: u.value, handoffId: handoff.id });
      if ((inserted as unknown[]).length === 1) continue;
      const holder = await this.findUniqueHolder(handoff.typeKey, u.fieldKey, u.value);
      if (holder && holder.id !== handoff.id) throw new UniqueConflict(u.fieldKey, holder.id);
    }
  }

  async insertEvent(tx: Tx, handoffId: number, e: NewEvent): Promise<number> {
    // Prepared statements run in the caller's transaction (Database.prepare).
    const [{ id: eventId }] = (await this.insertEventStatement.execute({ handoffId, type: e.type, actorId: e.actorId, at: e.at, fromState: e.fromState, toState: e.toState, data: e.data })) as [{ id: number }];
    if (qualityKindOf(e.type, e.fromState)) await this.quality.recordEvent(handoffId, eventId);
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
