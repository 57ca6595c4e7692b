export interface RateLimits {
  /** Minimum spacing of messages to one channel (Slack: about one per second). */
  readonly perChannelMs: number;
  /** Workspace-wide messages per second, with a burst of the same size. */
  readonly perSecond: number;
}

export const SLACK_RATE_LIMITS: RateLimits = { perChannelMs: 1000, perSecond: 10 };
export const NO_RATE_LIMITS: RateLimits = { perChannelMs: 0, perSecond: Number.POSITIVE_INFINITY };

/**
 * Paces outgoing messages so a large digest slows down instead of failing: a token bucket for the
 * workspace and a minimum gap per channel. Time and sleeping are injected so tests need no waiting.
 */
export class SendRateLimiter {
  private tokens: number;
  private refilledAt: number;
  private readonly lastByChannel = new Map<string, number>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.tokens = Number.isFinite(limits.perSecond) ? limits.perSecond : 0;
    this.refilledAt = now();
  }

  async acquire(channel: string): Promise<void> {
    // The channel's slot is reserved before sleeping, so overlapping calls queue up instead of colliding;
    // the workspace token is taken last, so sleeping for the channel cannot let a burst overfill.
    if (this.limits.perChannelMs > 0) {
      const now = this.now();
      const last = this.lastByChannel.get(channel);
      const sendAt = last === undefined ? now : Math.max(now, last + this.limits.perChannelMs);
      this.lastByChannel.set(channel, sendAt);
      if (this.lastByChannel.size > 10_000) this.forgetOld();
      if (sendAt > now) await this.sleep(sendAt - now);
    }
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

  private forgetOld(): void {
    const cutoff = this.now() - this.limits.perChannelMs;
    for (const [channel, at] of this.lastByChannel) if (at < cutoff) this.lastByChannel.delete(channel);
  }
}
