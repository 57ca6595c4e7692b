/**
 * Query plans of the stall queries, taken from the SQL the real StallRepo sends: a second drizzle
 * instance over the same connection logs each statement, so the plans cannot drift from the code.
 */
import type Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../../src/db/schema';
import { StallRepo } from '../../src/db/stall-repo';
import { SqliteDatabase } from '../../src/db/database';

export interface CapturedQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface PlanRow {
  readonly id: number;
  readonly parent: number;
  readonly detail: string;
}

export interface QueryPlan {
  readonly name: string;
  readonly query: CapturedQuery;
  readonly rows: readonly PlanRow[];
  /** Lines that read the whole handoffs table (or a whole index of it). */
  readonly problems: readonly string[];
  /** Index searches that only narrow by state: they read every handoff in that state. */
  readonly notes: readonly string[];
}

/** Runs `call` against a StallRepo whose queries are recorded, and returns the last statement it sent. */
async function capture(sqlite: Database.Database, call: (stalls: StallRepo) => Promise<unknown>): Promise<CapturedQuery> {
  const seen: CapturedQuery[] = [];
  const db = drizzle(sqlite, { schema, logger: { logQuery: (sql, params) => seen.push({ sql, params: [...params] }) } });
  await call(new StallRepo(new SqliteDatabase(db, sqlite, schema)));
  const last = seen.at(-1);
  if (!last) throw new Error('the call sent no query');
  return last;
}

function explain(sqlite: Database.Database, q: CapturedQuery): PlanRow[] {
  return sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.params as unknown[])) as PlanRow[];
}

/** A full scan of handoffs, with or without an index to walk it in order. */
export function problemsOf(rows: readonly PlanRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (/^SCAN handoffs\b(?! USING (COVERING )?INDEX)/.test(r.detail)) out.push(`full table scan: ${r.detail}`);
    else if (/^SCAN handoffs USING (COVERING )?INDEX/.test(r.detail)) out.push(`full index scan (reads every row of the index): ${r.detail}`);
  }
  return out;
}

/** An index search on handoffs bounded by the state alone (fine while few handoffs are in that state). */
export function notesOf(rows: readonly PlanRow[]): string[] {
  return rows
    .filter((r) => /^SEARCH handoffs USING (COVERING )?INDEX \S+ \(state=\?\)$/.test(r.detail))
    .map((r) => `narrowed by state only, reads every handoff in that state: ${r.detail}`);
}

export async function stallQueryPlans(sqlite: Database.Database, now: Date, busyUser: string): Promise<QueryPlan[]> {
  const queries: Array<[string, (s: StallRepo) => Promise<unknown>]> = [
    ['dueForNudge(now, 1000)', (s) => s.dueForNudge(now, 1000)],
    ['listStalled(now)', (s) => s.listStalled(now)],
    [`listActiveFor('${busyUser}')`, (s) => s.listActiveFor(busyUser)],
    ["listActiveForTeams(['ops'])", (s) => s.listActiveForTeams(['ops'])],
    ['cachedTimezones(500 ids)', (s) => s.cachedTimezones(Array.from({ length: 500 }, (_, i) => `U${String(i + 1).padStart(8, '0')}`), new Date(now.getTime() - 7 * 86_400_000))],
  ];
  const plans: QueryPlan[] = [];
  for (const [name, call] of queries) {
    const query = await capture(sqlite, call);
    const rows = explain(sqlite, query);
    plans.push({ name, query, rows, problems: problemsOf(rows), notes: notesOf(rows) });
  }
  return plans;
}

/** The plan as a tree, as the sqlite3 shell prints it. */
export function formatPlan(rows: readonly PlanRow[]): string[] {
  const depth = new Map<number, number>([[0, 0]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? 0) + 1;
    depth.set(r.id, d);
    return `${'   '.repeat(d - 1)}|-- ${r.detail}`;
  });
}

/** SQL with its parameters inlined, for reading (not for running); long IN lists are shortened. */
export function inlineParams(q: CapturedQuery): string {
  let i = 0;
  const sql = q.sql.replace(/\?/g, () => {
    const p = q.params[i++];
    return typeof p === 'string' ? `'${p.replace(/'/g, "''")}'` : String(p);
  });
  return sql.replace(/ in \(([^()]*)\)/g, (whole, list: string) => {
    const items = list.split(', ');
    return items.length <= 6 ? whole : ` in (${items.slice(0, 3).join(', ')}, … ${items.length} values)`;
  });
}
