import type Database from 'better-sqlite3';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { Clock } from '../domain/ports.js';

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'failing';
  readonly database: 'writable' | string;
  readonly outbox: { readonly pending: number; readonly oldestAgeSeconds: number | null };
}

/** Past this, Slack is likely down or refusing us: say so, but a restart would not help, so stay "up". */
const DEGRADED_AFTER_S = 5 * 60;

/**
 * For a load balancer or orchestrator: 'failing' (HTTP 503) only when the database cannot take a
 * write, because that is what a restart or a failover can fix; an outbox that has fallen behind is
 * 'degraded' (200).
 */
export function checkHealth(sqlite: Database.Database, outbox: OutboxRepo, clock: Clock): HealthReport {
  let database = 'writable';
  try {
    // Takes the write lock and gives it back: proves the file is writable and not locked up.
    sqlite.prepare('BEGIN IMMEDIATE').run();
    sqlite.prepare('ROLLBACK').run();
  } catch (error) {
    database = (error as Error).message;
  }
  const backlog = outbox.backlog();
  const oldestAgeSeconds = backlog.oldest ? Math.max(0, Math.round((clock.now().getTime() - backlog.oldest.getTime()) / 1000)) : null;
  const behind = oldestAgeSeconds !== null && oldestAgeSeconds > DEGRADED_AFTER_S;
  const status = database !== 'writable' ? 'failing' : behind ? 'degraded' : 'ok';
  return { status, database, outbox: { pending: backlog.pending, oldestAgeSeconds } };
}
