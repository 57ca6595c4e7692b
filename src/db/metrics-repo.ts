import { and, asc, eq, gt, gte, inArray, sql } from 'drizzle-orm';
import type { StateChange } from '../domain/flow-metrics.js';
import { type EventType, type HandoffState, returnFlagsOf } from '../domain/lifecycle.js';
import type { Database } from './database.js';
import type { HandoffRow } from './schema.js';

const KEY_PAGE = 5000;

interface ChangeRow {
  handoff_id: number;
  type_key: string;
  type: EventType;
  at: number;
  from_state: HandoffState | null;
  to_state: HandoffState;
  since: number | null;
  next_at: number | null;
  reason: string | null;
}

/** Read-only reporting queries: flow metrics from the event history, and the export. */
export class MetricsRepo {
  constructor(private readonly database: Database) {}

  /**
   * Every state change (events whose state differs before and after, plus `created`) of the
   * handoffs to `teamKey` that could matter for [from, to): created before `to` and not closed
   * before `from`. Each comes with the previous and next state change of its handoff, so the time
   * spent in each state is one subtraction away.
   */
  async stateChanges(teamKey: string, from: Date, to: Date): Promise<StateChange[]> {
    const rows = await this.database.all<ChangeRow>(sql`
      WITH scope AS (
        SELECT id, type_key FROM handoffs
        WHERE to_team = ${teamKey} AND created_at < ${to.getTime()}
          AND (closed_at IS NULL OR closed_at >= ${from.getTime()})
      )
      SELECT e.handoff_id, s.type_key, e.type, e.at, e.from_state, e.to_state,
             LAG(e.at) OVER w AS since,
             LEAD(e.at) OVER w AS next_at,
             CASE WHEN e.type = 'rejected' THEN ${this.database.jsonText(sql`e.data`, 'reason')} END AS reason
      FROM scope s JOIN events e ON e.handoff_id = s.id
      WHERE e.from_state IS NULL OR e.from_state <> e.to_state
      WINDOW w AS (PARTITION BY e.handoff_id ORDER BY e.id)
    `);
    // Numbers, whatever the driver returns for a bigint (Postgres: a string).
    return rows.map((r) => ({
      handoffId: Number(r.handoff_id),
      typeKey: r.type_key,
      type: r.type,
      at: Number(r.at),
      fromState: r.from_state,
      toState: r.to_state,
      since: r.since === null ? null : Number(r.since),
      nextAt: r.next_at === null ? null : Number(r.next_at),
      reason: typeof r.reason === 'string' ? r.reason : null,
    }));
  }

  /** The field keys used by handoffs created since `since`, and the completion field keys. */
  async fieldKeysSince(since: Date): Promise<{ fields: string[]; completion: string[] }> {
    const { handoffs } = this.database.schema;
    // Keys are read in JavaScript: listing a JSON object's keys is spelled differently in each dialect.
    const keys = async (column: 'fields' | 'completion') => {
      const found = new Set<string>();
      for (let afterId = 0; ; ) {
        const rows = await this.database.db
          .select({ id: handoffs.id, values: handoffs[column] })
          .from(handoffs)
          .where(and(gte(handoffs.createdAt, since), gt(handoffs.id, afterId)))
          .orderBy(asc(handoffs.id))
          .limit(KEY_PAGE);
        for (const r of rows) for (const key of Object.keys(r.values ?? {})) found.add(key);
        if (rows.length < KEY_PAGE) break;
        afterId = rows[rows.length - 1].id;
      }
      return [...found].sort();
    };
    return { fields: await keys('fields'), completion: await keys('completion') };
  }

  /** The returns of these handoffs, oldest first, with the fields each flagged. */
  async returnsOf(ids: readonly number[]): Promise<Map<number, Array<{ flaggedFields: string[]; somethingElse: boolean }>>> {
    const map = new Map<number, Array<{ flaggedFields: string[]; somethingElse: boolean }>>();
    if (ids.length === 0) return map;
    const { events } = this.database.schema;
    const rows = await this.database.db
      .select({ handoffId: events.handoffId, data: events.data })
      .from(events)
      .where(and(eq(events.type, 'rejected'), inArray(events.handoffId, [...ids])))
      .orderBy(asc(events.id));
    for (const r of rows) {
      const list = map.get(r.handoffId) ?? [];
      list.push(returnFlagsOf(r.data));
      map.set(r.handoffId, list);
    }
    return map;
  }

  /** Handoffs created since `since`, in id order, a page at a time (after `afterId`). */
  async handoffsSince(since: Date, afterId: number, limit: number): Promise<HandoffRow[]> {
    const { handoffs } = this.database.schema;
    return this.database.db
      .select()
      .from(handoffs)
      .where(and(gte(handoffs.createdAt, since), gt(handoffs.id, afterId)))
      .orderBy(asc(handoffs.id))
      .limit(limit);
  }
}
