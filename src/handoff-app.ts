import type { Logger } from '@slack/bolt';
import { buildApiRoutes } from './api/handoff-api';
import type { Env } from './config/env-schema';
import type { WorkflowConfig } from './config/workflow-schema';
import { HandoffRepo } from './db/handoff-repo';
import { HomeRepo } from './db/home-repo';
import { MetricsRepo } from './db/metrics-repo';
import { openDb } from './db/open-db';
import { OutboxRepo } from './db/outbox-repo';
import { SeenEventRepo } from './db/seen-event-repo';
import { StallRepo } from './db/stall-repo';
import type { JobDeps } from './jobs/deps';
import { type JobSchedule, startJobs } from './jobs/index';
import { type Clock, systemClock } from './domain/ports';
import { HandoffService } from './services/handoff-service';
import { HistoryService } from './services/history-service';
import { HomeService } from './services/home-service';
import { StatsService } from './services/stats-service';
import { checkHealth } from './services/health';
import { OutboxDispatcher } from './services/outbox-dispatcher';
import { WebhookSender, webhookSubscriptions } from './services/webhook-sender';
import { QueueService } from './services/queue-service';
import { createSlackApp } from './slack/app';
import type { HttpThreadLimits } from './slack/http-thread';
import type { Route } from './slack/http-server';
import { SlackNotifier } from './slack/notifier';
import { SlackPeopleDirectory } from './slack/people-directory';
import { type RateLimits, SendRateLimiter, SLACK_RATE_LIMITS } from './slack/rate-limiter';
import { SlackTeamDirectory } from './slack/team-directory';

export interface HandoffAppOptions {
  readonly env: Env;
  readonly workflow: WorkflowConfig;
  readonly clock?: Clock;
  readonly clientTimeoutMs?: number;
  readonly clientRetries?: number;
  readonly logger?: Logger;
  /** Message pacing; tests turn it off. */
  readonly rateLimits?: RateLimits;
  /** Cron schedule of the jobs; `false` runs none (tests and the CLI run them by hand). */
  readonly schedule?: JobSchedule | false;
  /** Run the bot's own Slack calls (the outbox's, the listeners', the directories') in a worker thread, as `npm start` does (see slack/api-thread.ts). */
  readonly apiThread?: boolean;
  /** Serve HTTP from a thread of its own that acknowledges Slack's commands and clicks at once, as `npm start` does (see slack/http-thread.ts). */
  readonly httpThread?: boolean | HttpThreadLimits;
}

/** Builds the whole object graph. main.ts and the integration tests both use it, so tests run what ships. */
export function createHandoffApp(opts: HandoffAppOptions) {
  const clock = opts.clock ?? systemClock;
  const database = openDb(opts.env.databaseUrl);
  const outboxRepo = new OutboxRepo(database.db);
  const seenEvents = new SeenEventRepo(database.db);
  const slack = createSlackApp({
    env: opts.env,
    clientTimeoutMs: opts.clientTimeoutMs,
    clientRetries: opts.clientRetries,
    logger: opts.logger,
    firstSight: (eventId) => seenEvents.firstSight(eventId, clock.now()),
  });
  const logger = slack.app.logger;
  const repo = new HandoffRepo(database.db, webhookSubscriptions(opts.workflow.webhooks));
  const webhooks = new WebhookSender({ config: opts.workflow, repo });
  const directory = new SlackTeamDirectory(opts.workflow, slack.client);
  const stalls = new StallRepo(database.db);
  const homeRepo = new HomeRepo(database.db);
  const stats = new StatsService({ config: opts.workflow, metrics: new MetricsRepo(database.db), directory, clock });
  const homes = new HomeService({ config: opts.workflow, stalls, homes: homeRepo, directory, clock, stats });
  const history = new HistoryService({ config: opts.workflow, repo, stalls });
  const limiter = new SendRateLimiter(opts.rateLimits ?? SLACK_RATE_LIMITS);
  const notifier = new SlackNotifier({ client: slack.client, workspace: slack.workspace, repo, config: opts.workflow, clock, limiter, homes });
  const dispatcher = new OutboxDispatcher({ repo: outboxRepo, deliver: (n, delivery) => (n.type === 'webhook' ? webhooks.deliver(n) : notifier.deliver(n, delivery)), clock, logger });
  const service = new HandoffService({ config: opts.workflow, repo, directory, clock, outbox: dispatcher, homes: homeRepo });
  const queues = new QueueService({ config: opts.workflow, stalls, directory, clock });
  slack.register({ client: slack.client, service, directory, queues, homes, history, stats });
  const people = new SlackPeopleDirectory({ client: slack.client, stalls, clock, logger });
  const jobDeps: JobDeps = { config: opts.workflow, handoffs: repo, stalls, people, outbox: dispatcher, logger };
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
    /** Starts receiving requests and sending what the outbox holds (including anything left from before a restart); `host` omitted: every interface. */
    async start(port: number, host?: string): Promise<number> {
      const routes: Route[] = [
        ...buildApiRoutes({ config: opts.workflow, service, repo }),
        {
          method: 'GET',
          path: /^\/healthz$/,
          handle: () => {
            const report = checkHealth(database.sqlite, outboxRepo, clock, slack.httpThread?.load() ?? null);
            return { status: report.status === 'failing' ? 503 : 200, body: report };
          },
        },
      ];
      // The thread first: once the port answers (and /healthz says so), everything runs.
      if (opts.apiThread) await slack.startApiThread();
      const bound = await slack.start(port, routes, { thread: opts.httpThread, host });
      dispatcher.start();
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
      await slack.stopApiThread();
      database.close();
    },
  };
}

export type HandoffApp = ReturnType<typeof createHandoffApp>;
