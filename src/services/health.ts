import type { Database } from '../db/database.js';
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
export async function checkHealth(db: Pick<Database, 'checkWritable'>, outbox: OutboxRepo, clock: Clock): Promise<HealthReport> {
  let database = 'writable';
  try {
    // Takes the write lock and gives it back: proves the database is writable and not locked up.
    await db.checkWritable();
  } catch (error) {
    database = (error as Error).message;
  }
  const backlog = await outbox.backlog();
  const oldestAgeSeconds = backlog.oldest ? Math.max(0, Math.round((clock.now().getTime() - backlog.oldest.getTime()) / 1000)) : null;
  const behind = oldestAgeSeconds !== null && oldestAgeSeconds > DEGRADED_AFTER_S;
  const status = database !== 'writable' ? 'failing' : behind ? 'degraded' : 'ok';
  return { status, database, outbox: { pending: backlog.pending, oldestAgeSeconds } };
}
