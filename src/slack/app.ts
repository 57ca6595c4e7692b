import type { Server } from 'node:http';
import {
  App,
  type CustomRoute,
  HTTPModuleFunctions,
  HTTPReceiver,
  type Logger,
  type Receiver,
  type ReceiverEvent,
  type ReceiverProcessEventErrorHandlerArgs,
  SocketModeReceiver,
} from '@slack/bolt';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import type { Env } from '../config/env-schema.js';
import { isDomainError } from '../domain/errors.js';
import { type Metrics, type RequestOutcome, requestKind } from '../metrics.js';
import type { RepeatedLog } from '../api/limits.js';
import { checkEnvelope, MalformedPayloadError } from './envelope.js';
import { registerActions } from './listeners/actions/index.js';
import { registerCommands } from './listeners/commands/index.js';
import type { ListenerDeps } from './listeners/deps.js';
import { registerEvents } from './listeners/events/index.js';
import { registerFunctions } from './listeners/functions/index.js';
import { registerShortcuts } from './listeners/shortcuts/index.js';
import { registerViews } from './listeners/views/index.js';
import { reportError, unwrapError } from './report-error.js';
import { type ClientTuning, webClientOptions } from './web-client.js';
import type { SlackWorkspace } from './workspace.js';

export interface SlackAppOptions {
  readonly env: Env;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The client everything the bot sends goes through (createSlackClient). */
  readonly client: WebClient;
  /** Who the bot is (auth.test), asked once and shared with the notifier. */
  readonly workspace: SlackWorkspace;
  /** Our routes (/healthz, /metrics, /api/…), served beside Slack's endpoint (in Socket Mode on PORT alone). */
  readonly customRoutes?: CustomRoute[];
  /** False when an Events API delivery with this id was handled before (Slack retries deliveries). */
  readonly firstSight?: (eventId: string) => Promise<boolean>;
  /** Where refused Slack requests (bad signature, too large) are logged, once per interval with a count. */
  readonly rejections?: RepeatedLog;
  readonly timeouts?: HttpTimeouts;
}

export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this. */
  readonly requestMs: number;
  readonly headersMs: number;
}

/** Slack's own requests are far below this (a 100-block modal's state is a few hundred KB); larger is not from Slack. */
export const SLACK_BODY_LIMIT = 1024 * 1024;
/** A client that sends its headers or body this slowly holds a connection no longer than this (Node's default is 300 s). */
export const DEFAULT_TIMEOUTS: HttpTimeouts = { requestMs: 20_000, headersMs: 15_000 };

/**
 * Bolt's receivers log each refused request (a bad signature, a body over the limit) as it comes; a flood
 * of them becomes one line per interval with a count. Everything else passes through as it is.
 */
function coalesceRejections(logger: Logger, rejections: RepeatedLog | undefined): Logger {
  if (!rejections) return logger;
  const warn = (...msg: unknown[]) => {
    const text = msg.map(String).join(' ');
    if (/^Failed to (parse and verify|parse) the request|^Request body exceeded/.test(text)) rejections.note(text.startsWith('Request body') ? 'slack_too_large' : 'slack_unsigned', `refused a request to /slack/events: ${text}`);
    else logger.warn(...msg);
  };
  return Object.assign(Object.create(logger) as Logger, { warn });
}

/** The bot's WebClient, counting every call by method and result for /metrics. */
export class CountingWebClient extends WebClient {
  constructor(
    token: string,
    options: ConstructorParameters<typeof WebClient>[1],
    private readonly metrics: Metrics,
  ) {
    super(token, options);
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    try {
      const result = await super.apiCall(method, options);
      this.metrics.slackCalls.inc({ method, result: 'ok' });
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      this.metrics.slackCalls.inc({ method, result: code === 'slack_webapi_rate_limited_error' ? 'ratelimited' : 'error' });
      throw error;
    }
  }
}

/**
 * Wraps Bolt's receiver for two things Bolt's middleware comes too late for: the shape check (Bolt reads
 * `actions[0]`, `view.callback_id` … to route a request before any middleware runs, and a body without
 * them would crash there or wait 3 s for a 404), and timing each ack for /metrics (middleware has no
 * hook on ack). Everything else is the receiver's own.
 */
class CheckedReceiver implements Receiver {
  constructor(
    readonly inner: HTTPReceiver | SocketModeReceiver,
    private readonly metrics: Metrics,
  ) {}

  init(app: App): void {
    const metrics = this.metrics;
    const timed: Pick<App, 'processEvent'> = {
      async processEvent(event: ReceiverEvent) {
        try {
          checkEnvelope(event.body);
        } catch (error) {
          metrics.requests.inc({ kind: requestKind(event.body), outcome: 'malformed' });
          throw error;
        }
        const end = metrics.ackSeconds.startTimer({ kind: requestKind(event.body) });
        const ack: ReceiverEvent['ack'] = (response) => {
          end();
          return event.ack(response);
        };
        return app.processEvent({ ...event, ack });
      },
    };
    // The receiver keeps `app` to hand it events; every other member is the app's own.
    this.inner.init(Object.assign(Object.create(app) as App, timed));
  }

  start(...args: Parameters<HTTPReceiver['start']>): Promise<unknown> {
    return this.inner.start(...args);
  }

  stop(): Promise<unknown> {
    return this.inner.stop();
  }
}

/** A malformed payload is Slack's request, but not one we can act on: 400, as for a body that is not JSON. */
async function answerProcessError(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const { error, response, logger } = args;
  if (unwrapError(error) instanceof MalformedPayloadError && !response.headersSent) {
    logger.warn(`rejected a request: ${(unwrapError(error) as Error).message}`);
    response.writeHead(400);
    response.end();
    return false;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
}

/** The client for everything the bot sends (listeners, outbox, directories): tuned by webClientOptions, counted for /metrics. */
export function createSlackClient(env: Env, metrics: Metrics, logger: Logger, tuning: ClientTuning = {}): CountingWebClient {
  return new CountingWebClient(env.botToken, { ...webClientOptions(env, tuning), logger }, metrics);
}

/**
 * The Bolt app: Bolt's HTTPReceiver on POST /slack/events with our routes as customRoutes, or Socket
 * Mode with an app token. Listeners ack first; errors become private answers in one place.
 */
export function createSlackApp(opts: SlackAppOptions) {
  const { env, metrics, client } = opts;
  const inflight = new Set<Promise<unknown>>();
  const outcomes = new WeakMap<object, RequestOutcome>();
  const inner = env.appToken
    ? new SocketModeReceiver({ appToken: env.appToken, logger: opts.logger, customRoutes: opts.customRoutes, installerOptions: { port: env.port } })
    : new HTTPReceiver({
        signingSecret: env.signingSecret,
        logger: coalesceRejections(opts.logger, opts.rejections),
        customRoutes: opts.customRoutes,
        bodyLimit: SLACK_BODY_LIMIT,
        processEventErrorHandler: answerProcessError,
      });
  const receiver = new CheckedReceiver(inner, metrics);
  const { workspace } = opts;
  const app = new App({
    // auth.test through SlackWorkspace instead of Bolt's `token`: Bolt keeps a failed first auth.test for
    // the life of the process; we ask again. Until it answers, requests run with the token alone.
    authorize: async () => {
      const identity = await workspace.identity().catch((error: unknown) => {
        opts.logger.warn(`auth.test failed, handling the request without the bot's ids: ${(error as Error)?.message ?? error}`);
        return null;
      });
      return { botToken: env.botToken, botUserId: identity?.botUserId, botId: identity?.botId };
    },
    receiver,
    // Bolt's own per-request client (used only by Bolt itself, e.g. a custom step's complete) is tuned like ours.
    clientOptions: { ...webClientOptions(env), logger: opts.logger },
    logger: opts.logger, // at its own level: Bolt would reset it if given logLevel
    extendedErrorHandler: true,
  });
  // Ask at start, so a token Slack refuses is reported at once; a failure here is asked again when needed.
  workspace.identity().catch((error: unknown) => opts.logger.error(`Slack did not confirm the bot token (auth.test): ${(error as Error)?.message ?? error}`));

  // Every request's work is tracked (shutdown and tests wait for it), logged and counted; its errors are answered here.
  app.use(async ({ next, body, logger }) => {
    const started = performance.now();
    const work = next().catch(async (error) => {
      outcomes.set(body, isDomainError(unwrapError(error)) ? 'refused' : 'error');
      await reportError(error, body, client, logger);
    });
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
      const kind = requestKind(body);
      const outcome = outcomes.get(body) ?? 'ok';
      metrics.requests.inc({ kind, outcome });
      logger.info({ request: kind, id: requestId(body), user: requestUser(body), handoffId: requestHandoffId(body), outcome, ms: Math.round(performance.now() - started) }, 'request');
    }
  });
  // Slack retries an event it thinks we missed; the first delivery already did the work.
  app.use(async ({ next, body }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && opts.firstSight && !(await opts.firstSight(eventId))) return;
    await next();
  });
  // Errors raised before the listeners run (authorization) never reach the middleware above.
  app.error(async ({ error, body, logger }: Parameters<Parameters<App['error']>[0]>[0] & { body?: AnyBody }) => {
    await reportError(error, body, client, logger);
  });

  let server: Server | null = null;
  return {
    app,
    client,
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
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    /** Listens on `port` (0: any free port) of `host` (omitted: every interface) and resolves with the port bound. */
    async start(port: number, host?: string): Promise<number> {
      const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
      // Node checks these timeouts every connectionsCheckingInterval (default 30 s): check at a quarter of the shorter one.
      const serverOptions = { requestTimeout: timeouts.requestMs, headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.max(100, Math.floor(timeouts.headersMs / 4)) };
      if (inner instanceof SocketModeReceiver) {
        await app.start();
        // Bolt serves customRoutes in Socket Mode from an HTTP server of its own on installerOptions.port.
        server = (inner as unknown as { httpServer?: Server }).httpServer ?? null;
        if (server) Object.assign(server, { requestTimeout: timeouts.requestMs, headersTimeout: timeouts.headersMs });
      } else {
        server = (await app.start(host ? { port, host } : port, serverOptions)) as Server;
      }
      const address = server?.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    /** Stops taking requests; requests already received finish (see settle). */
    async stop(): Promise<void> {
      // Keep-alive connections would hold close() open until their clients hang up.
      server?.closeIdleConnections();
      const sweep = setInterval(() => server?.closeIdleConnections(), 100);
      try {
        await app.stop();
      } finally {
        clearInterval(sweep);
        server = null;
      }
    },
  };
}

export type SlackApp = ReturnType<typeof createSlackApp>;

// Bolt hands middleware the raw request body of any surface
type AnyBody = Record<string, any>;

/** The action, callback or command a request is about, for its log line. */
function requestId(body: AnyBody): string | undefined {
  return body.command ?? body.actions?.[0]?.action_id ?? body.view?.callback_id ?? body.callback_id ?? body.event?.type;
}

function requestUser(body: AnyBody): string | undefined {
  return body.user?.id ?? body.user_id ?? body.event?.user;
}

/** The handoff a button or a form is about, when it says (buttons carry `42` or `42:next-type`; forms their metadata). */
function requestHandoffId(body: AnyBody): number | undefined {
  const fromButton = /^(\d+)(?::|$)/.exec(String(body.actions?.[0]?.value ?? ''))?.[1];
  if (fromButton) return Number(fromButton);
  try {
    const meta = JSON.parse(body.view?.private_metadata ?? 'null') as { handoffId?: unknown } | null;
    return typeof meta?.handoffId === 'number' ? meta.handoffId : undefined;
  } catch {
    return undefined;
  }
}
