import type Database from 'better-sqlite3';
import type { OutboxRepo } from '../db/outbox-repo';
import type { Clock } from '../domain/ports';

/** How the HTTP thread keeps up (http-thread.ts), when it runs. */
export interface RequestLoad {
  /** False while the app is behind and requests wait for its own ack. */
  readonly acknowledgingFirst: boolean;
  /** Requests acknowledged and not started yet, and being handled. */
  readonly waiting: number;
  readonly handling: number;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'failing';
  readonly database: 'writable' | string;
  readonly outbox: { readonly pending: number; readonly oldestAgeSeconds: number | null };
  readonly requests?: RequestLoad;
}

/** Past this, Slack is likely down or refusing us: say so, but a restart would not help, so stay "up". */
const DEGRADED_AFTER_S = 5 * 60;

/**
 * For a load balancer or orchestrator: 'failing' (HTTP 503) only when the database cannot take a
 * write, because that is what a restart or a failover can fix; a growing outbox, or requests coming
 * faster than the app handles them, is 'degraded' (200).
 */
export function checkHealth(sqlite: Database.Database, outbox: OutboxRepo, clock: Clock, requests: RequestLoad | null = null): HealthReport {
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
  const behind = (oldestAgeSeconds !== null && oldestAgeSeconds > DEGRADED_AFTER_S) || requests?.acknowledgingFirst === false;
  const status = database !== 'writable' ? 'failing' : behind ? 'degraded' : 'ok';
  return { status, database, outbox: { pending: backlog.pending, oldestAgeSeconds }, ...(requests ? { requests } : {}) };
}
