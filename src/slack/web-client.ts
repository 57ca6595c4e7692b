import type { WebClientOptions } from '@slack/web-api';
import type { Env } from '../config/env-schema.js';

/** Overrides for tests: a short timeout and no retries against the local fake. */
export interface ClientTuning {
  readonly clientTimeoutMs?: number;
  readonly clientRetries?: number;
}

/**
 * Every WebClient of the bot (Bolt's, the bot's own, the Slack API thread's) gets a request timeout and few
 * retries on purpose: the outbox retries side effects, and the default of retrying for half an hour
 * would stall every listener behind one outage.
 */
export function webClientOptions(env: Env, tuning: ClientTuning = {}): WebClientOptions {
  return {
    slackApiUrl: env.slackApiUrl,
    timeout: tuning.clientTimeoutMs ?? 10_000,
    retryConfig: { retries: tuning.clientRetries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true },
    rejectRateLimitedCalls: true,
  };
}
