import type { Logger } from '@slack/bolt';
import { buildApiRoutes } from './api/handoff-api.js';
import { buildOpsRoutes } from './api/ops-routes.js';
import type { Env } from './config/env-schema.js';
import type { WorkflowConfig } from './config/workflow-schema.js';
import { HandoffRepo } from './db/handoff-repo.js';
import { HomeRepo } from './db/home-repo.js';
import { MetricsRepo } from './db/metrics-repo.js';
import { openDatabase } from './db/open-db.js';
import type { Database } from './db/database.js';
import { OutboxRepo } from './db/outbox-repo.js';
import { RoutingRepo } from './db/routing-repo.js';
import { AwayRepo } from './db/away-repo.js';
import { AwayService } from './services/away-service.js';
import { SeenEventRepo } from './db/seen-event-repo.js';
import { StallRepo } from './db/stall-repo.js';
import type { JobDeps } from './jobs/deps.js';
import { type JobSchedule, startJobs } from './jobs/index.js';
import { type Clock, systemClock } from './domain/ports.js';
import { HandoffService } from './services/handoff-service.js';
import { HistoryService } from './services/history-service.js';
import { HomeService } from './services/home-service.js';
import { StatsService } from './services/stats-service.js';
import { InsightsService } from './services/insights-service.js';
import { QualityRepo } from './db/quality-repo.js';
import { WeeklyReportRepo } from './db/weekly-report-repo.js';
import { WeeklyReportService } from './services/weekly-report-service.js';
import type { ChartRenderer } from './slack/chart-renderer.js';
import { checkHealth } from './services/health.js';
import { type InstanceTimings, OutboxDispatcher } from './services/outbox-dispatcher.js';
import { InstanceRepo } from './db/instance-repo.js';
import { JobLeaseRepo } from './db/job-lease-repo.js';
import { WebhookSender, webhookSubscriptions } from './services/webhook-sender.js';
import { QueueService } from './services/queue-service.js';
import { OfferRouter } from './services/offer-router.js';
import { createSlackApp, createSlackClient, type HttpTimeouts } from './slack/app.js';
import { createGate, RepeatedLog, type RequestLimits } from './api/limits.js';
import { type Route, toCustomRoutes } from './api/routes.js';
import { Metrics } from './metrics.js';
import { createLogger, toBoltLogger } from './logger.js';
import { SlackNotifier } from './slack/notifier.js';
import { SlackPeopleDirectory } from './slack/people-directory.js';
import { SlackStatusSource } from './slack/status-source.js';
import { type RateLimits, SendRateLimiter, SLACK_RATE_LIMITS } from './slack/rate-limiter.js';
import { SlackTeamDirectory } from './slack/team-directory.js';
import { SlackFileDirectory } from './slack/file-directory.js';
import { SlackWorkspace } from './slack/workspace.js';

export interface HandoffAppOptions {
  readonly env: Env;
  readonly workflow: WorkflowConfig;
  readonly clock?: Clock;
  readonly clientTimeoutMs?: number;
  readonly clientRetries?: number;
  /** Where logs go (default: pino JSON lines on stdout at env.logLevel, secrets scrubbed). */
  readonly logger?: Logger;
  /** Process metrics (memory, event loop, GC) on /metrics besides the bot's own; main turns them on. */
  readonly processMetrics?: boolean;
  /** Request budgets per client address on our routes (default DEFAULT_REQUEST_LIMITS). */
  readonly requestLimits?: RequestLimits;
  /** HTTP server timeouts (default REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS); tests shorten them. */
  readonly httpTimeouts?: HttpTimeouts;
  /** Message pacing; tests turn it off. */
  readonly rateLimits?: RateLimits;
  /** Cron schedule of the jobs; `false` runs none (tests and the CLI run them by hand). */
  readonly schedule?: JobSchedule | false;
  /** Turns a weekly report's chart into a PNG (default: vega + resvg); tests pass one that fails to see the text fallback. */
  readonly renderChart?: ChartRenderer;
  /** Heartbeat and outbox takeover timings of this instance (default DEFAULT_INSTANCE_TIMINGS); tests shorten them. */
  readonly instanceTimings?: Partial<InstanceTimings>;
  /**
   * An open database to use instead of opening env.databaseUrl; the caller closes it. Tests run
   * several instances in one process on one: SQLite connections in one thread would block each other.
   */
  readonly database?: Database;
}

/**
 * Records the insights facts of quality events that have none (a database from before them, or
 * events an older version wrote): a one-time backfill after the upgrade, a short look at the events
 * since the last start after that. Before the app serves, so insights are complete from its first answer.
 */
export async function catchUpQuality(quality: QualityRepo, clock: Clock, logger: Pick<Logger, 'info'>): Promise<void> {
  const started = Date.now();
  const recorded = await quality.catchUp(clock.now());
  if (recorded > 0) logger.info({ facts: recorded, ms: Date.now() - started }, 'insights: recorded the facts of past decisions');
}

/** Builds the whole object graph. main.ts and the integration tests both use it, so tests run what ships. */
export async function createHandoffApp(opts: HandoffAppOptions) {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? toBoltLogger(createLogger({ level: opts.env.logLevel, secrets: secretsOf(opts.env, opts.workflow) }));
  const database = opts.database ?? (await openDatabase(opts.env.databaseUrl));
  const quality = new QualityRepo(database);
  await catchUpQuality(quality, clock, logger);
  const outboxRepo = new OutboxRepo(database);
  const seenEvents = new SeenEventRepo(database);
  const repo = new HandoffRepo(database, webhookSubscriptions(opts.workflow.webhooks), (written) => {
    for (const e of written) {
      metrics.stateChanges.inc({ type: e.type });
      logger.info({ handoffId: e.handoffId, event: e.type, from: e.fromState, to: e.toState, actor: e.actorId }, 'handoff changed');
    }
  });
  const metricsRepo = new MetricsRepo(database);
  const metrics = new Metrics({ outboxBacklog: () => outboxRepo.backlog(), handoffCounts: () => repo.countByStateAndTeam(), now: () => clock.now() }, { processMetrics: opts.processMetrics });
  const client = createSlackClient(opts.env, metrics, logger, { clientTimeoutMs: opts.clientTimeoutMs, clientRetries: opts.clientRetries });
  const webhooks = new WebhookSender({ config: opts.workflow, repo });
  const directory = new SlackTeamDirectory(opts.workflow, client);
  const stalls = new StallRepo(database);
  const homeRepo = new HomeRepo(database);
  const stats = new StatsService({ config: opts.workflow, metrics: metricsRepo, directory, clock });
  // The posts of what someone owns say when they are away; `service` exists by the time anyone runs a command.
  const away = new AwayService({
    config: opts.workflow,
    away: new AwayRepo(database),
    clock,
    onChange: (userId) => service.refreshOwnedPosts(userId),
    statuses: new SlackStatusSource(client),
    directory,
    logger,
  });
  const insights = new InsightsService({ config: opts.workflow, quality, directory, clock });
  const homes = new HomeService({ config: opts.workflow, stalls, homes: homeRepo, directory, clock, stats, insights, away });
  const history = new HistoryService({ config: opts.workflow, repo, stalls, directory });
  const limiter = new SendRateLimiter(opts.rateLimits ?? SLACK_RATE_LIMITS);
  const workspace = new SlackWorkspace(client);
  const notifier = new SlackNotifier({ client, workspace, repo, config: opts.workflow, clock, limiter, homes, away, renderChart: opts.renderChart, logger });
  const dispatcher = new OutboxDispatcher({ repo: outboxRepo, deliver: (n, delivery) => (n.type === 'webhook' ? webhooks.deliver(n) : notifier.deliver(n, delivery)), clock, logger, instances: new InstanceRepo(database), timings: opts.instanceTimings });
  const routing = new RoutingRepo(database);
  const offers = new OfferRouter({ config: opts.workflow, repo, routing, directory, away });
  const service = new HandoffService({ config: opts.workflow, repo, directory, clock, outbox: dispatcher, homes: homeRepo, offers, routing });
  const queues = new QueueService({ config: opts.workflow, stalls, directory, clock, away });
  const rejections = new RepeatedLog(logger);
  const routes: Route[] = [
    ...buildApiRoutes({ config: opts.workflow, service, repo, pendingFor: (via) => outboxRepo.pendingFor(via), files: new SlackFileDirectory(client) }),
    ...buildOpsRoutes({ health: () => checkHealth(database, outboxRepo, clock), metrics, metricsToken: opts.env.metricsToken }),
  ];
  const slack = createSlackApp({
    env: opts.env,
    logger,
    metrics,
    client,
    workspace,
    customRoutes: toCustomRoutes(routes, { logger, gate: createGate({ limits: opts.requestLimits, log: rejections, onReject: (route, reason) => metrics.apiRejections.inc({ route, reason }) }) }),
    rejections,
    firstSight: (eventId) => seenEvents.firstSight(eventId, clock.now()),
    timeouts: opts.httpTimeouts,
  });
  slack.register({ client, service, directory, queues, homes, history, stats, insights, away });
  const people = new SlackPeopleDirectory({ client, stalls, clock, logger });
  const weekly = new WeeklyReportService({ config: opts.workflow, metrics: metricsRepo, insights });
  const jobDeps: JobDeps = { config: opts.workflow, handoffs: repo, stalls, people, outbox: dispatcher, logger, metrics, offers: service, away, weekly, reports: new WeeklyReportRepo(database), quality, lease: { repo: new JobLeaseRepo(database), owner: dispatcher.owner } };
  let jobs: { stop(): Promise<void> } | null = null;

  return {
    database,
    slack,
    service,
    repo,
    outboxRepo,
    stalls,
    dispatcher,
    jobDeps,
    logger,
    metrics,
    /** Starts receiving requests and sending what the outbox holds (including anything left from before a restart). */
    /** `host` omitted: every interface (the sandbox passes 127.0.0.1). */
    async start(port: number, host?: string): Promise<number> {
      const bound = await slack.start(port, host);
      await dispatcher.start();
      if (opts.schedule !== false) jobs = startJobs(jobDeps, clock, opts.schedule);
      return bound;
    },
    /** Waits until received requests are handled and the outbox has sent everything due. */
    async settle(): Promise<void> {
      await slack.settle();
      await dispatcher.drain();
    },
    /** Stops taking requests, lets in-flight work and the outbox finish for up to `graceMs`, then closes the database. */
    async stop(graceMs = 5000): Promise<void> {
      await slack.stop().catch(() => undefined);
      await jobs?.stop();
      const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([this.settle(), grace]);
      await dispatcher.stop();
      if (!opts.database) await database.close();
    },
  };
}

/** Every secret the bot holds, scrubbed from its logs wherever it would appear. */
export function secretsOf(env: Env, workflow: WorkflowConfig): string[] {
  return [env.botToken, env.signingSecret, env.appToken, env.metricsToken, ...workflow.api.tokens.map((t) => t.token), ...workflow.webhooks.map((w) => w.secret)].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

export type HandoffApp = Awaited<ReturnType<typeof createHandoffApp>>;
