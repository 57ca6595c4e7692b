import { type SQL, sql } from 'drizzle-orm';
import type { QualityEvent, QualityKind } from '../domain/quality-metrics.js';
import { returnFlagsOf } from '../domain/lifecycle.js';
import type { Database } from './database.js';

/** Which handoffs a quality query covers. */
export type QualityScope = { readonly team: string } | { readonly teams: readonly string[] } | { readonly type: string };

interface Row {
  handoff_id: number;
  type_key: string;
  from_team: string | null;
  to_team: string;
  type_version: string | null;
  created_at: number;
  type: string;
  at: number;
  data: string | Record<string, unknown> | null;
}

/** Read-only queries behind the insights: decisions (accept, return) and resubmissions from the event history. */
export class QualityRepo {
  constructor(private readonly database: Database) {}

  /**
   * Accepts (an OPEN handoff accepted, or assigned from the queue by a lead), returns with what they
   * flagged, and resubmissions, before `to`, of the handoffs in scope that could matter from `from`
   * on (not closed before it), in the order they happened.
   */
  async events(scope: QualityScope, from: Date, to: Date): Promise<QualityEvent[]> {
    const where = scopeFilter(scope);
    if (!where) return [];
    const rows = await this.database.all<Row>(sql`
      SELECT e.handoff_id, h.type_key, h.from_team, h.to_team, h.type_version, h.created_at, e.type, e.at,
             CASE WHEN e.type = 'rejected' THEN e.data END AS data
      FROM handoffs h JOIN events e ON e.handoff_id = h.id
      WHERE ${where} AND h.created_at < ${to.getTime()}
        AND (h.closed_at IS NULL OR h.closed_at >= ${from.getTime()})
        AND e.at < ${to.getTime()}
        AND (e.type IN ('accepted', 'rejected', 'resubmitted') OR (e.type = 'reassigned' AND e.from_state = 'open'))
      ORDER BY e.handoff_id, e.id
    `);
    return rows.map((r) => {
      const data = parseData(r.data);
      const flags = returnFlagsOf(data);
      const kind: QualityKind = r.type === 'rejected' ? 'returned' : r.type === 'resubmitted' ? 'resubmitted' : 'accepted';
      return {
        handoffId: r.handoff_id,
        typeKey: r.type_key,
        fromTeam: r.from_team,
        toTeam: r.to_team,
        typeVersion: r.type_version,
        createdAt: r.created_at,
        kind,
        at: r.at,
        flaggedFields: flags.flaggedFields,
        somethingElse: flags.somethingElse,
        reason: typeof data.reason === 'string' ? data.reason : null,
      };
    });
  }
}

function scopeFilter(scope: QualityScope): SQL | null {
  if ('type' in scope) return sql`h.type_key = ${scope.type}`;
  const teams = 'team' in scope ? [scope.team] : scope.teams;
  if (teams.length === 0) return null;
  const list = sql.join(
    teams.map((t) => sql`${t}`),
    sql`, `,
  );
  return sql`(h.to_team IN (${list}) OR h.from_team IN (${list}))`;
}

/** An event's data from a raw row: JSON text on SQLite, already an object (jsonb) on Postgres. */
function parseData(raw: string | Record<string, unknown> | null): Record<string, unknown> {
  if (!raw) return {};
  if (typeof raw === 'object') return Array.isArray(raw) ? {} : raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
