import { describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, type RateLimits, SendRateLimiter, SLACK_RATE_LIMITS } from '../../src/slack/rate-limiter';

/** A limiter on a simulated clock: sleeping only moves `t`, and every sleep is recorded. */
function fakeClock(limits: RateLimits) {
  const clock = { t: 0, slept: [] as number[] };
  const now = () => clock.t;
  const sleep = async (ms: number) => {
    clock.slept.push(ms);
    clock.t += ms;
  };
  return { clock, limiter: new SendRateLimiter(limits, now, sleep) };
}

const PER_CHANNEL_ONLY: RateLimits = { perChannelMs: 1000, perSecond: Number.POSITIVE_INFINITY };
const BUCKET_ONLY: RateLimits = { perChannelMs: 0, perSecond: 10 };

async function sendAll(limiter: SendRateLimiter, channels: string[]) {
  for (const c of channels) await limiter.acquire(c);
}

describe('SendRateLimiter: per-channel spacing', () => {
  it('a second message to the same channel waits 1000 ms', async () => {
    const { clock, limiter } = fakeClock(SLACK_RATE_LIMITS);
    await sendAll(limiter, ['C1', 'C1']);
    expect(clock.slept).toEqual([1000]);
    expect(clock.t).toBe(1000);
  });

  it('three messages to one channel are spaced 1000 ms apart', async () => {
    const { clock, limiter } = fakeClock(PER_CHANNEL_ONLY);
    await sendAll(limiter, ['C1', 'C1', 'C1']);
    expect(clock.slept).toEqual([1000, 1000]);
    expect(clock.t).toBe(2000);
  });

  it('waits only for what is left of the gap', async () => {
    const { clock, limiter } = fakeClock(PER_CHANNEL_ONLY);
    await limiter.acquire('C1');
    clock.t = 400;
    await limiter.acquire('C1');
    expect(clock.slept).toEqual([600]);
    clock.t = 2600;
    await limiter.acquire('C1');
    expect(clock.slept).toEqual([600]);
  });

  it('different channels do not wait for each other', async () => {
    const { clock, limiter } = fakeClock(SLACK_RATE_LIMITS);
    await sendAll(limiter, ['C1', 'C2', 'C3']);
    expect(clock.slept).toEqual([]);
    // C1 again waits out its own gap; C2, last used at t=0, is then free.
    await sendAll(limiter, ['C1', 'C2']);
    expect(clock.slept).toEqual([1000]);
    expect(clock.t).toBe(1000);
  });

  it('a channel waits out its own gap first; the bucket has refilled by then', async () => {
    const { clock, limiter } = fakeClock(SLACK_RATE_LIMITS);
    // C1 + 9 others use the burst of 10; the 11th waits 100 ms for a token.
    await sendAll(limiter, ['C1', ...Array.from({ length: 10 }, (_, i) => `D${i}`)]);
    expect(clock.slept).toEqual([100]);
    // C1 again at t=100: 900 ms for the rest of C1's gap; by then tokens have refilled.
    await limiter.acquire('C1');
    expect(clock.slept).toEqual([100, 900]);
    expect(clock.t).toBe(1000);
  });
});

describe('SendRateLimiter: who goes first in a busy channel', () => {
  /** A clock whose sleeps end only when the test says so, so callers can arrive while others wait. */
  function steppedClock(limits: RateLimits) {
    const clock = { t: 0, sleeping: [] as Array<() => void> };
    const sleep = (ms: number) =>
      new Promise<void>((resolve) =>
        clock.sleeping.push(() => {
          clock.t += ms;
          resolve();
        }),
      );
    return { clock, limiter: new SendRateLimiter(limits, () => clock.t, sleep) };
  }
  const settle = () => new Promise((r) => setImmediate(r));

  it('the lowest priority (the oldest outbox id) goes next, also when it arrives after the others; equal ones in arrival order', async () => {
    const { clock, limiter } = steppedClock(PER_CHANNEL_ONLY);
    const went: Array<{ who: string; at: number }> = [];
    const send = (who: string, priority?: number) => limiter.acquire('C1', priority).then(() => went.push({ who, at: clock.t }));
    await send('first', 50);
    const sends = [send('new 60', 60), send('no priority'), send('new 61', 61)];
    await settle();
    expect(went.map((w) => w.who)).toEqual(['first']);
    // Taken back from a dead instance while this one's own entries wait: it goes before them.
    sends.push(send('taken back 7', 7), send('another 60', 60));
    while (clock.sleeping.length > 0 || went.length < 6) {
      clock.sleeping.shift()?.();
      await settle();
    }
    await Promise.all(sends);
    expect(went.map((w) => w.who)).toEqual(['first', 'taken back 7', 'new 60', 'another 60', 'new 61', 'no priority']);
    // Still one per second.
    expect(went.map((w) => w.at)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
  });

  it('a caller for a channel nobody waits for, whose gap is over, goes at once', async () => {
    const { clock, limiter } = steppedClock(PER_CHANNEL_ONLY);
    await limiter.acquire('C1', 9);
    clock.t = 1000;
    await limiter.acquire('C1', 3);
    expect(clock.sleeping).toHaveLength(0);
  });
});

describe('SendRateLimiter: workspace bucket', () => {
  it('lets a burst of 10 through, the 11th sleeps 100 ms', async () => {
    const { clock, limiter } = fakeClock(BUCKET_ONLY);
    await sendAll(
      limiter,
      Array.from({ length: 10 }, (_, i) => `C${i}`),
    );
    expect(clock.slept).toEqual([]);
    await limiter.acquire('C10');
    expect(clock.slept).toEqual([100]);
    expect(clock.t).toBe(100);
  });

  it('refills with time: after a quiet second the full burst is back', async () => {
    const { clock, limiter } = fakeClock(BUCKET_ONLY);
    await sendAll(limiter, Array.from({ length: 10 }, (_, i) => `C${i}`));
    clock.t = 5000;
    await sendAll(limiter, Array.from({ length: 10 }, (_, i) => `D${i}`));
    expect(clock.slept).toEqual([]);
    await limiter.acquire('E');
    expect(clock.slept).toEqual([100]);
  });

  it('does not bank more than one burst', async () => {
    const { clock, limiter } = fakeClock(BUCKET_ONLY);
    clock.t = 60_000; // a quiet minute is still worth only 10 tokens
    await sendAll(limiter, Array.from({ length: 11 }, (_, i) => `C${i}`));
    expect(clock.slept).toEqual([100]);
  });

  it('100 DMs to 100 channels at 10/s take 9000 ms of simulated time', async () => {
    const { clock, limiter } = fakeClock(SLACK_RATE_LIMITS);
    await sendAll(
      limiter,
      Array.from({ length: 100 }, (_, i) => `D${i}`),
    );
    // 10 go out at once, the other 90 one per 100 ms.
    expect(clock.t).toBeGreaterThanOrEqual(9000);
    expect(clock.t).toBe(9000);
    expect(clock.slept).toHaveLength(90);
    expect(clock.slept.every((ms) => ms === 100)).toBe(true);
  });
});

describe('SendRateLimiter: NO_RATE_LIMITS', () => {
  it('never sleeps, even for one channel', async () => {
    const { clock, limiter } = fakeClock(NO_RATE_LIMITS);
    await sendAll(limiter, Array.from({ length: 200 }, (_, i) => (i % 2 ? 'C1' : `D${i}`)));
    expect(clock.slept).toEqual([]);
    expect(clock.t).toBe(0);
  });
});
