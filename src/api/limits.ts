import type { IncomingMessage } from 'node:http';
import type { Logger } from '@slack/bolt';
import type { Answer, Gate, Route } from './routes.js';

/**
 * Counts hits per key in fixed windows: enough to stop guessing and floods without remembering every
 * request. Keys of past windows are dropped as the window turns, so memory stays bounded by one window.
 */
export class WindowCounter {
  private windowStart = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit; null while within the limit, else the seconds until the window turns. */
  hit(key: string): number | null {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now - (now % this.windowMs);
      this.counts.clear();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count > this.limit ? Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000)) : null;
  }

  /** True when the key is over its limit in this window (without counting a hit). */
  over(key: string): boolean {
    return this.now() - this.windowStart < this.windowMs && (this.counts.get(key) ?? 0) >= this.limit;
  }
}

/**
 * Logs a kind of rejection once, then at most one line per interval with how many followed, so a flood
 * of bad requests cannot flood the log.
 */
export class RepeatedLog {
  private readonly pending = new Map<string, { count: number; example: string }>();
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  note(kind: string, detail: string): void {
    const now = this.now();
    const last = this.lastLogged.get(kind);
    if (last === undefined || now - last >= this.intervalMs) {
      const held = this.pending.get(kind);
      this.pending.delete(kind);
      this.lastLogged.set(kind, now);
      const more = held ? ` (and ${held.count} more in the last ${Math.round((now - (last ?? now)) / 1000)} s)` : '';
      this.logger.warn({ rejected: kind, count: 1 + (held?.count ?? 0) }, `${detail}${more}`);
      return;
    }
    const held = this.pending.get(kind) ?? { count: 0, example: detail };
    held.count += 1;
    this.pending.set(kind, held);
  }
}

export interface RequestLimits {
  /** Requests to our routes per client address per minute. */
  readonly perAddressPerMinute: number;
  /** Failed authentications per client address per minute before 429. */
  readonly failedAuthPerMinute: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = { perAddressPerMinute: 600, failedAuthPerMinute: 10 };

/** The client's address: the socket's own, since a proxy's X-Forwarded-For can be set by anyone. */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export const tooMany = (retryAfterS: number, error = 'rate_limited', message = 'Too many requests; try again later.'): Answer => ({
  status: 429,
  body: { ok: false, error, message },
  headers: { 'retry-after': String(retryAfterS) },
});

/**
 * The gate in front of our routes (/api, /metrics, /healthz): per client address, a request budget and a
 * much smaller budget of failed authentications, so keys cannot be guessed at speed. Refusals are
 * counted for /metrics and logged once per interval.
 */
export function createGate(opts: { limits?: RequestLimits; log: RepeatedLog; onReject?: (route: string, reason: string) => void; now?: () => number }): Gate {
  const limits = opts.limits ?? DEFAULT_REQUEST_LIMITS;
  const requests = new WindowCounter(limits.perAddressPerMinute, 60_000, opts.now);
  const failures = new WindowCounter(limits.failedAuthPerMinute, 60_000, opts.now);
  const reject = (route: Route, reason: string, address: string, answer: Answer) => {
    opts.onReject?.(route.path, reason);
    opts.log.note(reason, `refused ${route.method} ${route.path} from ${address}: ${reason}`);
    return answer;
  };
  return (route, req, caller) => {
    const address = clientAddress(req);
    if (failures.over(address)) return reject(route, 'too_many_failed_authentications', address, tooMany(60, 'rate_limited', 'Too many failed authentications from this address; wait a minute.'));
    const wait = requests.hit(address);
    if (wait !== null) return reject(route, 'rate_limited', address, tooMany(wait));
    if (route.authenticate && caller === null) {
      failures.hit(address);
      opts.log.note('not_authed', `refused ${route.method} ${route.path} from ${address}: no valid key`);
      opts.onReject?.(route.path, 'not_authed');
    }
    return null;
  };
}
