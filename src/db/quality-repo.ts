import { and, asc, eq, gte, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { QualityEvent, QualityKind } from '../domain/quality-metrics.js';
import { returnFlagsOf } from '../domain/lifecycle.js';
import type { Database } from './database.js';

/** Which handoffs a quality query covers. */
export type QualityScope = { readonly team: string } | { readonly teams: readonly string[] } | { readonly type: string };


/** Flags of a return without any: shared, so the (many) accepts and resubmissions allocate nothing. */
const NO_FLAGS: readonly string[] = Object.freeze([]);

/** Read-only queries behind the insights: decisions (accept, return) and resubmissions from the event history. */
export class QualityRepo {
  constructor(private readonly database: Database) {}

  /**
   * Accepts (an OPEN handoff accepted, or assigned from the queue by a lead), returns with what they
   * flagged, and resubmissions, before `to`, of the handoffs in scope that could matter from `from`
   * on (not closed before it), in the order they happened.
   *
   * The handoffs in scope are found first (by team or type, through their indexes) and their events
   * through events_handoff_idx, which also holds type, at and from_state, so the events that are not
   * decisions are skipped without reading their rows. `from` bounds the handoffs, not the events: a
   * decision before `from` still decides which later one is the first, and a return before it starts
   * the time lost of a resubmission after it. A cross join with the join condition in WHERE keeps that
   * order on SQLite, whose planner (without ANALYZE) would otherwise start from the events' type index
   * and read every team's decisions.
   */
  async events(scope: QualityScope, from: Date, to: Date): Promise<QualityEvent[]> {
    const { events, handoffs } = this.database.schema;
    const where = scopeFilter(handoffs, scope);
    if (!where) return [];
    // Timestamps read as the stored numbers (epoch ms), as the events carry them: no Date per row.
    const rows = await this.database.db
      .select({
        handoffId: events.handoffId,
        typeKey: handoffs.typeKey,
        fromTeam: handoffs.fromTeam,
        toTeam: handoffs.toTeam,
        typeVersion: handoffs.typeVersion,
        createdAt: sql<number>`${handoffs.createdAt}`.mapWith(Number),
        type: events.type,
        at: sql<number>`${events.at}`.mapWith(Number),
        // JSON text on SQLite, jsonb (an object) on Postgres.
        data: sql<string | Record<string, unknown> | null>`CASE WHEN ${events.type} = 'rejected' THEN ${events.data} END`,
      })
      .from(handoffs)
      .crossJoin(events)
      .where(
        and(
          where,
          lt(handoffs.createdAt, to),
          or(isNull(handoffs.closedAt), gte(handoffs.closedAt, from)),
          eq(events.handoffId, handoffs.id),
          lt(events.at, to),
          or(inArray(events.type, ['accepted', 'rejected', 'resubmitted']), and(eq(events.type, 'reassigned'), eq(events.fromState, 'open'))),
        ),
      )
      .orderBy(asc(events.handoffId), asc(events.id));
    const out: QualityEvent[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const { handoffId, typeKey, fromTeam, toTeam, typeVersion, createdAt, type, at, data: raw } = rows[i];
      const returned = type === 'rejected';
      const data = returned ? parseData(raw) : null;
      const flags = data ? returnFlagsOf(data) : null;
      const kind: QualityKind = returned ? 'returned' : type === 'resubmitted' ? 'resubmitted' : 'accepted';
      out[i] = {
        handoffId,
        typeKey,
        fromTeam,
        toTeam,
        typeVersion,
        createdAt,
        kind,
        at,
        flaggedFields: flags ? flags.flaggedFields : NO_FLAGS,
        somethingElse: flags ? flags.somethingElse : false,
        reason: data && typeof data.reason === 'string' ? data.reason : null,
      };
    }
    return out;
  }
}

function scopeFilter(handoffs: Database['schema']['handoffs'], scope: QualityScope): SQL | undefined {
  if ('type' in scope) return eq(handoffs.typeKey, scope.type);
  const teams = 'team' in scope ? [scope.team] : scope.teams;
  if (teams.length === 0) return undefined;
  // Two indexed lookups (handoffs_team_closed_idx, handoffs_from_team_closed_idx), merged by the planner.
  return or(inArray(handoffs.toTeam, [...teams]), inArray(handoffs.fromTeam, [...teams]));
}

/** An event's data: JSON text on SQLite, already an object (jsonb) on Postgres. */
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
