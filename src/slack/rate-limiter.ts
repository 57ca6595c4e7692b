export interface RateLimits {
  /** Minimum spacing of messages to one channel (Slack: about one per second). */
  readonly perChannelMs: number;
  /** Workspace-wide messages per second, with a burst of the same size. */
  readonly perSecond: number;
}

export const SLACK_RATE_LIMITS: RateLimits = { perChannelMs: 1000, perSecond: 10 };
export const NO_RATE_LIMITS: RateLimits = { perChannelMs: 0, perSecond: Number.POSITIVE_INFINITY };

interface Waiter {
  readonly priority: number;
  readonly go: () => void;
}

/** One channel's pacing: when it may next be sent to, and who waits for it, lowest priority first. */
interface ChannelQueue {
  nextAt: number;
  readonly waiting: Waiter[];
  pumping: boolean;
}

/**
 * Paces outgoing messages so a large digest slows down instead of failing: a token bucket for the
 * workspace and a minimum gap per channel. Time and sleeping are injected so tests need no waiting.
 *
 * Callers waiting for one channel go in order of their priority (the outbox id: oldest first), not of
 * arrival, so an entry taken back from a dead instance, or retried, is not queued behind the newer
 * ones this instance already holds for that channel; equal priorities keep their arrival order.
 */
export class SendRateLimiter {
  private tokens: number;
  private refilledAt: number;
  private readonly channels = new Map<string, ChannelQueue>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.tokens = Number.isFinite(limits.perSecond) ? limits.perSecond : 0;
    this.refilledAt = now();
  }

  /** Waits for `channel`'s turn (lower `priority` first), then for a workspace token. */
  async acquire(channel: string, priority = Number.POSITIVE_INFINITY): Promise<void> {
    // The workspace token is taken last, so sleeping for the channel cannot let a burst overfill.
    if (this.limits.perChannelMs > 0) await this.channelTurn(channel, priority);
    if (Number.isFinite(this.limits.perSecond)) {
      for (;;) {
        const t = this.now();
        this.tokens = Math.min(this.limits.perSecond, this.tokens + ((t - this.refilledAt) / 1000) * this.limits.perSecond);
        this.refilledAt = t;
        if (this.tokens >= 1) break;
        await this.sleep(Math.ceil(((1 - this.tokens) / this.limits.perSecond) * 1000));
      }
      this.tokens -= 1;
    }
  }

  private channelTurn(channel: string, priority: number): Promise<void> {
    let queue = this.channels.get(channel);
    if (!queue) {
      if (this.channels.size >= 10_000) this.forgetIdle();
      queue = { nextAt: Number.NEGATIVE_INFINITY, waiting: [], pumping: false };
      this.channels.set(channel, queue);
    }
    const now = this.now();
    if (queue.waiting.length === 0 && now >= queue.nextAt) {
      queue.nextAt = now + this.limits.perChannelMs;
      return Promise.resolve();
    }
    return new Promise((go) => {
      const at = queue.waiting.findIndex((w) => w.priority > priority);
      queue.waiting.splice(at === -1 ? queue.waiting.length : at, 0, { priority, go });
      if (!queue.pumping) void this.pump(queue);
    });
  }

  /** Lets a channel's waiters go one per gap; who goes next is chosen when the gap is over, so a later, older entry can still go first. */
  private async pump(queue: ChannelQueue): Promise<void> {
    queue.pumping = true;
    try {
      while (queue.waiting.length > 0) {
        const wait = queue.nextAt - this.now();
        if (wait > 0) await this.sleep(wait);
        const next = queue.waiting.shift() as Waiter;
        queue.nextAt = this.now() + this.limits.perChannelMs;
        next.go();
      }
    } finally {
      queue.pumping = false;
    }
  }

  private forgetIdle(): void {
    const now = this.now();
    for (const [channel, queue] of this.channels) if (queue.waiting.length === 0 && !queue.pumping && queue.nextAt < now) this.channels.delete(channel);
  }
}
