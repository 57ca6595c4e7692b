import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type RequestKind = 'command' | 'action' | 'view_submission' | 'view_closed' | 'shortcut' | 'event' | 'options' | 'other';
/** ok; refused: a rule said no and the person was told why; malformed: 400; error: an unexpected failure. */
export type RequestOutcome = 'ok' | 'refused' | 'malformed' | 'error';

export interface MetricsSources {
  /** Unsent outbox entries and the creation time of the oldest. */
  outboxBacklog(): Promise<{ pending: number; oldest: Date | null }>;
  /** Handoffs per state and receiving team. */
  handoffCounts(): Promise<ReadonlyArray<{ state: string; team: string; count: number }>>;
  now(): Date;
}

/** What a Slack request is, for the `kind` label. */
export function requestKind(body: unknown): RequestKind {
  const b = body as { command?: unknown; type?: unknown } | null;
  if (typeof b?.command === 'string') return 'command';
  switch (b?.type) {
    case 'block_actions':
      return 'action';
    case 'view_submission':
    case 'view_closed':
      return b.type;
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    case 'event_callback':
      return 'event';
    case 'block_suggestion':
      return 'options';
    default:
      return 'other';
  }
}

/**
 * The bot's Prometheus metrics (prom-client), in a registry of its own so two apps in one process (tests)
 * never share counters. Gauges over the database are read when scraped, not kept up to date.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'handoff_slack_requests_total', help: 'Requests from Slack by kind and outcome.', labelNames: ['kind', 'outcome'] as const, registers: [this.registry] });
  readonly ackSeconds = new Histogram({
    name: 'handoff_slack_ack_seconds',
    help: 'Time from a Slack request reaching the app to its acknowledgement (Slack waits at most 3 s).',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3],
    registers: [this.registry],
  });
  readonly slackCalls = new Counter({ name: 'handoff_slack_api_calls_total', help: 'Slack Web API calls by method and result (ok, error, ratelimited).', labelNames: ['method', 'result'] as const, registers: [this.registry] });
  readonly jobRuns = new Counter({ name: 'handoff_job_runs_total', help: 'Scheduled job runs by job and outcome.', labelNames: ['job', 'outcome'] as const, registers: [this.registry] });
  readonly jobSeconds = new Histogram({ name: 'handoff_job_duration_seconds', help: 'How long a job run took.', labelNames: ['job'] as const, buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60], registers: [this.registry] });
  readonly stateChanges = new Counter({ name: 'handoff_events_total', help: 'Events written to handoff histories, by type.', labelNames: ['type'] as const, registers: [this.registry] });
  readonly apiRejections = new Counter({ name: 'handoff_http_rejections_total', help: 'HTTP requests refused before any work: unauthenticated, rate limited, too large.', labelNames: ['route', 'reason'] as const, registers: [this.registry] });

  constructor(sources: MetricsSources, opts: { processMetrics?: boolean } = {}) {
    new Gauge({
      name: 'handoff_outbox_pending',
      help: 'Slack messages and webhook deliveries waiting to be sent.',
      registers: [this.registry],
      async collect() {
        this.set((await sources.outboxBacklog()).pending);
      },
    });
    new Gauge({
      name: 'handoff_outbox_oldest_age_seconds',
      help: 'Age of the oldest unsent outbox entry (0 when empty).',
      registers: [this.registry],
      async collect() {
        const { oldest } = await sources.outboxBacklog();
        this.set(oldest ? Math.max(0, (sources.now().getTime() - oldest.getTime()) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'handoff_handoffs',
      help: 'Handoffs by state and receiving team.',
      labelNames: ['state', 'team'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await sources.handoffCounts();
        this.reset();
        for (const row of rows) this.set({ state: row.state, team: row.team }, row.count);
      },
    });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Times a job run and counts its outcome. */
  async timeJob<T>(job: string, run: () => Promise<T>): Promise<T> {
    const end = this.jobSeconds.startTimer({ job });
    try {
      const result = await run();
      this.jobRuns.inc({ job, outcome: 'ok' });
      return result;
    } catch (error) {
      this.jobRuns.inc({ job, outcome: 'error' });
      throw error;
    } finally {
      end();
    }
  }
}
