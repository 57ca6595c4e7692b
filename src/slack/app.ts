import type { Server } from 'node:http';
import { App, type Logger, LogLevel } from '@slack/bolt';
import { checkEnvelope, MalformedPayloadError } from './http-front.mjs';
import { createHttpServer, createRequestHandler, type Route } from './http-server';
import { HttpThread, type HttpThreadLimits } from './http-thread';
import { SlackReceiver } from './receiver';
import type { ExtendedErrorHandlerArgs } from '@slack/bolt/dist/App';
import type { Env } from '../config/env-schema';
import { registerActions } from './listeners/actions';
import { registerCommands } from './listeners/commands';
import type { ListenerDeps } from './listeners/deps';
import { registerEvents } from './listeners/events';
import { registerFunctions } from './listeners/functions';
import { registerShortcuts } from './listeners/shortcuts';
import { registerViews } from './listeners/views';
import { reportError, unwrapError } from './report-error';
import { SlackWorkspace } from './workspace';
import { RoutedWebClient, SlackApiThread } from './api-thread';
import { type ClientTuning, webClientOptions } from './web-client';

export interface SlackAppOptions extends ClientTuning {
  readonly env: Env;
  /** Where logs go (default: Bolt's console logger at env.logLevel). */
  readonly logger?: Logger;
  /** False when an Events API delivery with this id was handled before (Slack retries deliveries). */
  readonly firstSight?: (eventId: string) => boolean;
}

const LOG_LEVELS: Record<Env['logLevel'], LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };

/** The Bolt app: HTTP receiver on /slack/events (or Socket Mode with an app token); its clients are tuned by webClientOptions. */
export function createSlackApp(opts: SlackAppOptions) {
  const { env } = opts;
  const clientOptions = webClientOptions(env, opts);
  const inflight = new Set<Promise<unknown>>();
  const socketMode = Boolean(env.appToken);
  // Our HTTP front (http-server.ts, or the HTTP thread) reads, verifies and parses each request once; the receiver hands it to Bolt.
  const receiver = socketMode ? undefined : new SlackReceiver();
  let workspace: SlackWorkspace | null = null;
  const app = new App({
    // Our own authorization instead of Bolt's `token`: see SlackWorkspace. Until auth.test answers,
    // requests run with the token alone (Bolt then cannot skip the bot's own events; we react to none).
    authorize: async () => {
      const identity = await workspace?.identity().catch((error: unknown) => {
        app.logger.warn(`auth.test failed, handling the request without the bot's ids: ${(error as Error)?.message ?? error}`);
        return null;
      });
      return { botToken: env.botToken, botUserId: identity?.botUserId, botId: identity?.botId };
    },
    ...(socketMode ? { socketMode: true, appToken: env.appToken } : { receiver }),
    clientOptions,
    ...(opts.logger ? { logger: opts.logger } : {}),
    logLevel: LOG_LEVELS[env.logLevel],
    extendedErrorHandler: true,
  });
  // The client for work outside a request (the outbox, the directories): Bolt's own has no token when it is given `authorize`.
  const client = new RoutedWebClient(env.botToken, { ...clientOptions, logger: app.logger });
  let apiThread: SlackApiThread | null = null;
  workspace = new SlackWorkspace(client);
  // Ask at start, so a token Slack refuses is reported at once; a failure here is asked again when needed.
  workspace.identity().catch((error: unknown) => app.logger.error(`Slack did not confirm the bot token (auth.test): ${(error as Error)?.message ?? error}`));
  // Bad shapes are refused before any listener sees them (the error handler below rethrows them to the receiver).
  app.use(async ({ next, body }) => {
    checkEnvelope(body);
    await next();
  });
  // Track every request's work, answer its errors here, so shutdown and tests can wait for
  // everything a request causes, including the ephemeral that explains a refusal.
  app.use(async ({ next, body, logger }) => {
    const work = next().catch((error) => reportError(error, body, client, logger));
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  });
  // Slack retries an event it thinks we missed; the first delivery already did the work.
  app.use(async ({ next, body }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && opts.firstSight && !opts.firstSight(eventId)) return;
    await next();
  });
  // Errors raised before the listeners run (authorization, parsing) never reach the middleware above.
  app.error(async ({ error, body, logger }: ExtendedErrorHandlerArgs) => {
    if (unwrapError(error) instanceof MalformedPayloadError) throw error;
    await reportError(error, body, client, logger);
  });

  let httpServer: Server | null = null;
  let httpThread: HttpThread | null = null;
  return {
    app,
    client,
    /** The HTTP thread while it runs (tests stop it to see it come back). */
    get httpThread(): HttpThread | null {
      return httpThread;
    },
    workspace,
    register(deps: ListenerDeps): void {
      registerCommands(app, deps);
      registerActions(app, deps);
      registerViews(app, deps);
      registerEvents(app, deps);
      registerShortcuts(app, deps);
      registerFunctions(app, deps);
    },
    /** Waits for the work of requests already received. */
    async settle(): Promise<void> {
      // Requests the HTTP thread answered already may still be on their way to this thread.
      await httpThread?.sync();
      await receiver?.settle();
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    /**
     * Listens on `port`: Slack's endpoint plus `routes` (/healthz, /api/…), which Socket Mode serves too.
     * With `thread`, HTTP is served from a thread of its own that acknowledges what it can at once (http-thread.ts).
     */
    async start(port: number, routes: readonly Route[] = [], opts: { thread?: boolean | HttpThreadLimits; host?: string } = {}): Promise<number> {
      if (!receiver) await app.start();
      const handler = createRequestHandler({ receiver, signingSecret: env.signingSecret, logger: app.logger, routes });
      if (opts.thread) {
        httpThread = new HttpThread(handler, app.logger, receiver ? env.signingSecret : null, opts.thread === true ? {} : opts.thread);
        return httpThread.start(port, opts.host);
      }
      const server = createHttpServer(handler);
      httpServer = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, opts.host, () => resolve());
      });
      const address = server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    /**
     * Moves the calls of `client` (the outbox's, the modals listeners open, the directories') to a
     * worker thread of their own. `npm start` does this; most tests call Slack in this thread.
     */
    async startApiThread(): Promise<void> {
      const thread = new SlackApiThread({ token: env.botToken, options: clientOptions, logLevel: LOG_LEVELS[env.logLevel] }, (message) => app.logger.error(message));
      await thread.start();
      apiThread = thread;
      client.route = thread.call((method, args) => client.callHere(method, args));
    },
    /** Ends the API thread once its calls in flight are answered; later calls run in this thread. */
    async stopApiThread(): Promise<void> {
      client.route = null;
      await apiThread?.stop();
      apiThread = null;
    },
    /** Stops taking requests; requests already received finish (see settle). */
    async stop(): Promise<void> {
      if (!receiver) await app.stop();
      await httpThread?.stop();
      httpThread = null;
      const server = httpServer;
      httpServer = null;
      if (!server) return;
      await new Promise<void>((resolve) => {
        // A connection kept alive after its last response would hold close() open until the client hangs up.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

export type SlackApp = ReturnType<typeof createSlackApp>;
