import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { InstanceRepo } from '../db/instance-repo.js';
import type { OutboxEntry, OutboxRepo } from '../db/outbox-repo.js';
import type { OutboxMessage } from '../domain/notifications.js';
import type { Clock, OutboxSignal } from '../domain/ports.js';
import { redactUrlsIn } from '../domain/redact-url.js';

export interface Logger {
  debug(...msg: unknown[]): void;
  info(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
  error(...msg: unknown[]): void;
}

export interface DispatcherDeps {
  readonly repo: OutboxRepo;
  /** `retried`: the entry was taken before, so Slack may already have it. */
  readonly deliver: (n: OutboxMessage, delivery: { outboxId: number; retried: boolean }) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where this instance beats and learns which others are alive; absent, only dead local pids free leases early. */
  readonly instances?: Pick<InstanceRepo, 'beat' | 'remove' | 'aliveSince'>;
  /** The id its leases carry (default: a new one, see newInstanceOwner). Several instances in one process (tests) each need their own. */
  readonly owner?: string;
  /** Heartbeat and takeover timings (defaults: DEFAULT_INSTANCE_TIMINGS); tests shorten them. */
  readonly timings?: Partial<InstanceTimings>;
}

/** How instances on one database notice each other's death and take over what it held. */
export interface InstanceTimings {
  /** How often a running instance records that it is alive. */
  readonly heartbeatMs: number;
  /** An instance whose last heartbeat is older than this is gone, and its leases are taken back. */
  readonly staleMs: number;
  /** How often each instance looks for leases of instances that are gone. */
  readonly sweepMs: number;
  /** How long a gone instance's last Slack call may still take effect; its entries are looked up by outbox id after that. */
  readonly settleMs: number;
  /** How long a claim holds an entry when nothing else frees it. */
  readonly leaseMs: number;
}

/**
 * An instance killed just after a heartbeat is seen as gone `staleMs` later and found by the next
 * sweep (`sweepMs`); its entries, claimed before it died, are due `settleMs` after their claim:
 * what it held is due again within max(staleMs + sweepMs, settleMs), 9 s. The survivor lists due
 * entries again every second (RELIST_MS) and its rate limiter lets the oldest entry of a channel go
 * first, so what the dead one held goes out within about a second of that per message in one channel
 * (Slack's pace), inside the 15 s we promise. `staleMs` leaves three missed heartbeats of room, so a
 * busy event loop is not taken for a death. `settleMs` is for a call made just before a death,
 * which Slack may still be handling: detecting a death takes over 6 s (staleMs less a heartbeat)
 * anyway, so it matters for a dead process of this machine, seen at once (a restart in place).
 */
export const DEFAULT_INSTANCE_TIMINGS: InstanceTimings = { heartbeatMs: 2_000, staleMs: 8_000, sweepMs: 1_000, settleMs: 5_000, leaseMs: 60_000 };

/** The longest a gone instance's entries wait before another instance sends them, with these timings. */
export function takeoverBoundMs(t: InstanceTimings): number {
  return Math.max(t.staleMs + t.sweepMs, t.settleMs);
}

const BATCH = 50;
/**
 * A batch older than this is listed again before its next entry is taken. A batch of one paced
 * channel's posts lasts up to BATCH seconds; without this, entries that became due meanwhile (taken
 * back from a dead instance, retries), older and first in id order, waited for all of it (44 s).
 */
const RELIST_MS = 1_000;
/** Entries sent side by side; the rate limiter still paces channels and the workspace. */
const CONCURRENCY = 8;
/** A random id per process start: after a container restart the host name and even the pid repeat. */
const BOOT_ID = randomBytes(4).toString('hex');
let instancesStarted = 0;

/**
 * A new lease owner id, `host:pid:boot:n`: host, pid and boot say which process (isDeadLocalOwner
 * reads them), `n` tells apart the instances one process runs (tests run several side by side).
 */
export function newInstanceOwner(): string {
  return `${hostname()}:${process.pid}:${BOOT_ID}:${++instancesStarted}`;
}

/**
 * A lease holder on this machine whose process has exited; holders elsewhere are left to their lease
 * time. A zombie (killed, not yet reaped by its parent) still answers `kill(pid, 0)`, so on Linux its
 * state in /proc counts too: otherwise a restart beside it waits out the whole lease.
 */
export function isDeadLocalOwner(owner: string, procState: (pid: number) => string | null = linuxProcessState): boolean {
  const [host, pidText, boot] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid)) return false;
  if (pid === process.pid) return boot !== BOOT_ID; // our pid, an earlier start: that process is gone
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const state = procState(pid);
  return state === 'Z' || state === 'X';
}

/** The one-letter state of a process from /proc/<pid>/stat (R, S, D, Z, …), or null where there is no /proc. */
export function linuxProcessState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}
const MAX_BACKOFF_MS = 15 * 60 * 1000;

/** After a timeout or a broken connection Slack may still store the message: wait long enough for it to show up before looking. */
const AMBIGUOUS_MIN_BACKOFF_MS = 30_000;

/** Delay before attempt n+1: 1 s, 2 s, 4 s … capped at 15 minutes; a 429's Retry-After wins when longer. */
export function backoffMs(attempts: number, retryAfterSec?: number, ambiguous = false): number {
  const exp = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempts, 20));
  return Math.max(exp, (retryAfterSec ?? 0) * 1000, ambiguous ? AMBIGUOUS_MIN_BACKOFF_MS : 0);
}

function describeError(error: unknown): { message: string; retryAfter?: number; ambiguous: boolean } {
  const e = error as { code?: string; data?: { error?: string }; retryAfter?: number; message?: string };
  // Logged and stored: a URL quoted in it (a webhook's, with its token) is redacted.
  const message = redactUrlsIn(e?.data?.error ? `${e.code}: ${e.data.error}` : (e?.message ?? String(error)));
  // A platform error (ok: false) or an HTTP status is an answer; a request error (timeout, reset) is not.
  const ambiguous = e?.code === 'slack_webapi_request_error' || /timeout|ECONNRESET|socket hang up/i.test(message);
  return { message, retryAfter: e?.retryAfter, ambiguous };
}

/** Sends what the outbox holds, in order per handoff; a failure is kept and retried with backoff, never dropped. */
export class OutboxDispatcher implements OutboxSignal {
  /** The loop that lists due entries and starts their sends; at most one at a time. */
  private filling: Promise<void> | null = null;
  /** Sends under way, each its own promise: one slow call (a webhook that hangs) holds up only its own lane. */
  private readonly sending = new Set<Promise<void>>();
  /** The entries listed last, and how far the loop has taken them. */
  private batch: OutboxEntry[] = [];
  private taken = 0;
  private listedAt = 0;
  /** Kicks so far, and how many had been seen at the last listing: a kick during a listing lists again. */
  private kicks = 0;
  private kicksListed = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** After a 429 Slack asks everyone to wait; the whole queue waits (wall-clock ms). */
  private pausedUntil = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  /** The id this instance's leases and heartbeat carry. */
  readonly owner: string;
  private readonly timings: InstanceTimings;

  constructor(private readonly deps: DispatcherDeps) {
    this.owner = deps.owner ?? newInstanceOwner();
    this.timings = { ...DEFAULT_INSTANCE_TIMINGS, ...deps.timings };
  }

  kick(): void {
    this.kicks += 1;
    this.wake();
  }

  /** Starts the loop unless it runs; a send that ends wakes it too, to take the next entry. */
  private wake(): void {
    if (this.stopped || this.filling) return;
    this.filling = this.fill()
      .catch((error: unknown) => this.deps.logger.error(`outbox: could not list or claim entries: ${(error as Error)?.message ?? error}`))
      .finally(() => {
        this.filling = null;
        // A kick that came in while the loop was ending may have queued something; a send that ended meanwhile left room.
        const more = this.kicks !== this.kicksListed || this.taken < this.batch.length;
        if (more && this.sending.size < CONCURRENCY && Date.now() >= this.pausedUntil) this.wake();
        else if (this.sending.size === 0)
          this.scheduleRetry().catch((error: unknown) => this.deps.logger.error(`outbox: could not schedule the next retry: ${(error as Error)?.message ?? error}`));
      });
  }

  /** Resolves when nothing is due any more (pending retries in the future do not count). */
  async drain(): Promise<void> {
    while (this.filling || this.sending.size > 0) await Promise.all([this.filling, ...this.sending]);
  }

  /**
   * Beats (so other instances know this one runs), takes back what instances that are gone held,
   * and sends what is due; then keeps beating and looking for gone instances' leases every few
   * seconds, not only at start, so a dead instance's entries go out within 15 s.
   */
  async start(): Promise<void> {
    this.stopped = false;
    await this.deps.instances?.beat(this.owner, Date.now());
    await this.takeBackAbandoned();
    this.heartbeat ??= setInterval(() => {
      this.deps.instances?.beat(this.owner, Date.now()).catch((error: unknown) => this.deps.logger.warn(`outbox: heartbeat failed: ${(error as Error)?.message ?? error}`));
    }, this.timings.heartbeatMs);
    this.heartbeat.unref();
    this.sweeper ??= setInterval(() => {
      this.sweeping ??= this.takeBackAbandoned()
        .catch((error: unknown) => this.deps.logger.warn(`outbox: looking for abandoned entries failed: ${(error as Error)?.message ?? error}`))
        .finally(() => (this.sweeping = null));
    }, this.timings.sweepMs);
    this.sweeper.unref();
    this.kick();
  }

  /** Stops sending once the entries in flight are done, and says so in the database: this instance holds nothing any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.sweeper) clearInterval(this.sweeper);
    this.heartbeat = this.sweeper = null;
    await this.drain();
    await this.sweeping;
    await this.deps.instances?.remove(this.owner).catch((error: unknown) => this.deps.logger.warn(`outbox: could not record the stop: ${(error as Error)?.message ?? error}`));
  }

  /**
   * Frees the leases of instances that are gone: no heartbeat within `staleMs` (or no row: stopped,
   * or from before heartbeats), or a process of this machine that exited. Our own are never freed.
   */
  private async takeBackAbandoned(): Promise<void> {
    const alive = this.deps.instances ? await this.deps.instances.aliveSince(Date.now() - this.timings.staleMs) : null;
    const gone = (owner: string) => owner !== this.owner && (isDeadLocalOwner(owner) || (alive !== null && !alive.has(owner)));
    const released = await this.deps.repo.releaseLeases(gone, { leaseMs: this.timings.leaseMs, settleMs: this.timings.settleMs });
    if (released === 0) return;
    this.deps.logger.info(`outbox: took back ${released} entries from an instance that is gone`);
    this.kick();
  }

  /**
   * Starts sends until CONCURRENCY are under way or nothing is due. `listDue` gives the head of each
   * lane only, so the entries of one batch never depend on each other and go out side by side: a
   * channel waiting out its pacing, or a webhook that does not answer, holds up only its own lane.
   * Entries this instance is sending stay leased, so listing again never hands them out twice. A
   * batch older than RELIST_MS is listed again before its next entry is taken.
   */
  private async fill(): Promise<void> {
    let claimedSinceListing = true;
    for (;;) {
      if (this.stopped || Date.now() < this.pausedUntil || this.sending.size >= CONCURRENCY) return;
      if (this.taken >= this.batch.length || Date.now() - this.listedAt >= RELIST_MS) {
        // A whole batch nobody could claim (taken by other instances meanwhile): wait for the next kick or retry.
        if (!claimedSinceListing && this.kicks === this.kicksListed) return;
        this.kicksListed = this.kicks;
        this.batch = await this.deps.repo.listDue(this.deps.clock.now(), BATCH, Date.now());
        this.taken = 0;
        this.listedAt = Date.now();
        claimedSinceListing = false;
        if (this.batch.length === 0 && this.kicks === this.kicksListed) return;
        continue;
      }
      const entry = this.batch[this.taken++];
      if (!(await this.deps.repo.claim(entry.id, Date.now(), this.timings.leaseMs, this.owner))) continue; // another instance has it
      claimedSinceListing = true;
      const sent: Promise<void> = this.send(entry)
        .catch((error: unknown) => this.deps.logger.error({ outboxId: entry.id }, `outbox: entry ${entry.id} could not be sent or recorded: ${(error as Error)?.message ?? error}`))
        .finally(() => {
          this.sending.delete(sent);
          this.wake();
        });
      this.sending.add(sent);
    }
  }

  private async send(entry: OutboxEntry): Promise<void> {
    try {
      await this.deps.deliver(entry.notification, { outboxId: entry.id, retried: entry.claims > 0 });
    } catch (error) {
      // The entry keeps its place at the head of its lane, so what follows it waits.
      const { message, retryAfter, ambiguous } = describeError(error);
      const retryAt = new Date(this.deps.clock.now().getTime() + backoffMs(entry.attempts, retryAfter, ambiguous));
      await this.deps.repo.markFailed(entry.id, message, retryAt);
      if (retryAfter) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + retryAfter * 1000);
      this.deps.logger.warn(
        { outboxId: entry.id, handoffId: entry.notification.handoffId, kind: entry.notification.type, attempt: entry.attempts + 1, retryAt: retryAt.toISOString() },
        `outbox ${entry.id} (${entry.notification.type}) failed, attempt ${entry.attempts + 1}, retry at ${retryAt.toISOString()}: ${message}`,
      );
      return;
    }
    try {
      await this.deps.repo.markSent(entry.id, this.deps.clock.now());
    } catch (error) {
      // It stays leased until the lease runs out; its retry then finds the message by outbox id instead of posting twice.
      this.deps.logger.error({ outboxId: entry.id, handoffId: entry.notification.handoffId }, `outbox: could not record entry ${entry.id} as sent: ${(error as Error)?.message ?? error}`);
    }
  }

  private async scheduleRetry(): Promise<void> {
    if (this.stopped) return;
    const next = await this.deps.repo.nextDueAt();
    // Stopped, or a run started, while the database answered: that run schedules the next retry.
    if (this.stopped || this.filling || this.sending.size > 0) return;
    if (this.timer) clearTimeout(this.timer);
    if (!next) return;
    const wait = Math.max(250, next.getTime() - this.deps.clock.now().getTime(), this.pausedUntil - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, Math.min(wait, 60_000));
    this.timer.unref();
  }
}
