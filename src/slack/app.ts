import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { ExtendedErrorHandlerArgs } from '@slack/bolt/dist/App';
import type { Env } from '../config/env-schema';
import { registerActions } from './listeners/actions';
import { registerCommands } from './listeners/commands';
import type { ListenerDeps } from './listeners/deps';
import { registerEvents } from './listeners/events';
import { registerShortcuts } from './listeners/shortcuts';
import { registerViews } from './listeners/views';
import { reportError } from './report-error';

export interface SlackAppOptions {
  readonly env: Env;
  /** Overrides for tests: a short timeout and no retries against the local fake. */
  readonly clientTimeoutMs?: number;
  readonly clientRetries?: number;
}

const LOG_LEVELS: Record<Env['logLevel'], LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };

/**
 * The Bolt app: HTTP receiver on /slack/events (or Socket Mode with an app token). The WebClient gets
 * a request timeout and few retries on purpose: the outbox retries side effects, and Bolt's default of
 * retrying for half an hour would stall every listener behind one outage.
 */
export function createSlackApp(opts: SlackAppOptions) {
  const { env } = opts;
  const clientOptions = {
    slackApiUrl: env.slackApiUrl,
    timeout: opts.clientTimeoutMs ?? 10_000,
    retryConfig: { retries: opts.clientRetries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true },
    rejectRateLimitedCalls: true,
  };
  const inflight = new Set<Promise<unknown>>();
  const socketMode = Boolean(env.appToken);
  const receiver = socketMode ? undefined : new HTTPReceiver({ signingSecret: env.signingSecret, endpoints: '/slack/events', processBeforeResponse: false });
  const app = new App({
    token: env.botToken,
    ...(socketMode ? { socketMode: true, appToken: env.appToken } : { receiver }),
    clientOptions,
    logLevel: LOG_LEVELS[env.logLevel],
    extendedErrorHandler: true,
  });
  // Track every request's work, answer its errors here, so shutdown and tests can wait for
  // everything a request causes, including the ephemeral that explains a refusal.
  app.use(async ({ next, body, logger }) => {
    const work = next().catch((error) => reportError(error, body, app.client, logger));
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  });
  // Errors raised before the listeners run (authorization, parsing) never reach the middleware above.
  app.error(async ({ error, body, logger }: ExtendedErrorHandlerArgs) => {
    await reportError(error, body, app.client, logger);
  });

  return {
    app,
    client: app.client,
    register(deps: ListenerDeps): void {
      registerCommands(app, deps);
      registerActions(app, deps);
      registerViews(app, deps);
      registerEvents(app, deps);
      registerShortcuts(app, deps);
    },
    /** Waits for the work of requests already received. */
    async settle(): Promise<void> {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    async start(port: number): Promise<number> {
      const server = await app.start(port);
      const address = (server as { address?: () => unknown } | undefined)?.address?.();
      return typeof address === 'object' && address && 'port' in address ? Number(address.port) : port;
    },
    async stop(): Promise<void> {
      await app.stop();
    },
  };
}

export type SlackApp = ReturnType<typeof createSlackApp>;
