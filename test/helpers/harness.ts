import { createTestDatabase } from './postgres';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Logger } from '@slack/bolt';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWorkflow, parseEnv } from '../../src/config/load-config';
import type { WorkflowConfig } from '../../src/config/workflow-schema';
import type { Clock } from '../../src/domain/ports';
import { createHandoffApp, type HandoffApp } from '../../src/handoff-app';
import type { Database } from '../../src/db/database';
import type { InstanceTimings } from '../../src/services/outbox-dispatcher';
import type { ChartRenderer } from '../../src/slack/chart-renderer';
import type { HttpTimeouts } from '../../src/slack/app';
import { BlockId } from '../../src/slack/ids';
import { NO_RATE_LIMITS } from '../../src/slack/rate-limiter';
import { FakeSlack, type Fault } from './fake-slack';
import { dateValue, numberValue, type SimResponse, SlackClientSim, selectValue, textValue } from './slack-requests';
import { expect } from 'vitest';

export const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/handoff.config.yaml');
export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';

/** A logger that keeps every line, at every level, in `lines` (an Error as its message and stack). */
export function capturingLogger(lines: string[]): Logger {
  const capture = (...msg: unknown[]) => lines.push(msg.map((m) => (m instanceof Error ? `${m.message} ${m.stack}` : String(m))).join(' '));
  return { debug: capture, info: capture, warn: capture, error: capture, setLevel: () => {}, getLevel: () => 'debug' as never, setName: () => {} };
}

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t);
  }
  set(t: Date | string): void {
    this.t = new Date(t);
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}

export interface Harness {
  readonly fake: FakeSlack;
  readonly app: HandoffApp;
  readonly sim: SlackClientSim;
  readonly clock: FakeClock;
  readonly workflow: WorkflowConfig;
  /** The SQLite file; empty when the harness was given a databaseUrl. */
  readonly dbPath: string;
  /** The bot's DATABASE_URL (a SQLite file: URL or a Postgres URL), for a CLI run against the same database. */
  readonly databaseUrl: string;
  /** Waits until the bot has handled every request sent and the outbox has sent everything due. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The real app (HTTP receiver, SQLite with real migrations, outbox) against a local fake Slack. */
export async function startHarness(
  opts: {
    workflow?: (w: WorkflowConfig) => WorkflowConfig;
    now?: string;
    logger?: Logger;
    /** Web API request timeout (default 2000 ms); short values let a test make Slack "time out". */
    clientTimeoutMs?: number;
    /** Reuse a database (a restart); the caller then owns the file. */
    dbPath?: string;
    /** The bot's DATABASE_URL (default: a temporary SQLite file, or `file:<dbPath>`); the caller then owns the database. */
    databaseUrl?: string;
    /**
     * Without databaseUrl or dbPath: a fresh temporary database of this kind, dropped at close. The
     * default is HANDOFF_TEST_DATABASE (`postgres` runs every harness test on the run's Postgres) or SQLite.
     */
    dialect?: 'sqlite' | 'postgres';
    /** HTTP server timeouts (tests of slow clients shorten them). */
    httpTimeouts?: HttpTimeouts;
    /** More environment variables for the bot (e.g. METRICS_TOKEN). */
    env?: Record<string, string>;
    /** Faults the fake Slack has before the app starts (e.g. a failing auth.test at boot). */
    faults?: ReadonlyArray<readonly [string, Fault]>;
    /** Draws the weekly report's chart instead of vega + resvg (a failing one shows the text fallback). */
    renderChart?: ChartRenderer;
    /** A fake Slack to share with other harnesses (several instances of the bot); the caller stops it. */
    fake?: FakeSlack;
    /** An open database to share with other harnesses (several instances in one process); the caller closes it. */
    database?: Database;
    /** Heartbeat and outbox takeover timings of this instance. */
    instanceTimings?: Partial<InstanceTimings>;
  } = {},
): Promise<Harness> {
  const fake = opts.fake ?? (await FakeSlack.start({ usergroups: { S0FUL: ['U0FUL1', 'U0FUL2'] }, users: { U0OPS1: { tz: 'Europe/Berlin' } } }));
  for (const [method, fault] of opts.faults ?? []) fake.fail(method, fault);
  const dialect = opts.dialect ?? (process.env.HANDOFF_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite');
  const owned = !opts.dbPath && !opts.databaseUrl && !opts.database && dialect === 'postgres' ? await createTestDatabase() : null;
  const databaseUrl = opts.databaseUrl ?? owned?.url;
  const dir = opts.dbPath || databaseUrl || opts.database ? null : mkdtempSync(join(tmpdir(), 'handoff-test-'));
  const dbPath = opts.dbPath ?? (databaseUrl || opts.database ? '' : join(dir as string, 'handoff.db'));
  const env = parseEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    DATABASE_URL: databaseUrl ?? `file:${dbPath}`,
    HANDOFF_CONFIG: FIXTURE,
    LOG_LEVEL: 'error',
    ...opts.env,
  });
  const base = loadWorkflow(FIXTURE);
  const workflow = opts.workflow ? opts.workflow(structuredClone(base) as WorkflowConfig) : base;
  const clock = new FakeClock(new Date(opts.now ?? '2026-11-23T10:00:00Z'));
  const app = await createHandoffApp({ env, workflow, clock, clientTimeoutMs: opts.clientTimeoutMs ?? 2000, clientRetries: 0, rateLimits: NO_RATE_LIMITS, schedule: false, logger: opts.logger ?? capturingLogger([]), httpTimeouts: opts.httpTimeouts, renderChart: opts.renderChart, database: opts.database, instanceTimings: opts.instanceTimings });
  const port = await app.start(0);
  // The bot asks auth.test at start; let that answer arrive before a test queues faults of its own.
  await fake.waitFor('auth.test', 2000).catch(() => undefined);
  const sim = new SlackClientSim({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, responseUrls: fake.hooksUrl });
  return {
    fake,
    app,
    sim,
    clock,
    workflow,
    dbPath,
    databaseUrl: env.databaseUrl,
    settle: () => app.settle(),
    async close() {
      // Bolt asks auth.test once when it is created; stopping the fake before it answered would leave a stray error.
      await fake.waitFor('auth.test', 2000).catch(() => undefined);
      await app.stop(200);
      if (!opts.fake) await fake.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      await owned?.drop();
    },
  };
}

/** A slash command's answer: what the listener put in its ack, the ephemeral the person sees. */
// Slack messages are open-ended JSON
export function commandReply(_h: Harness, res: SimResponse): any {
  expect(res.status).toBe(200);
  if (res.body === '') throw new Error('the command was acked with no answer');
  return res.json;
}

export interface OrderInput {
  order_id?: string;
  customer?: string;
  ship_by?: string;
  priority?: string;
  quantity?: number | string | null;
  notes?: string;
}

/** `state.values` of the order-to-ops form as Slack would send them. */
export function orderValues(o: OrderInput = {}) {
  const v = { order_id: 'SO-12345', customer: 'ACME GmbH', ship_by: '2026-12-01', priority: 'Urgent', quantity: 3, notes: 'Fragile', ...o };
  return {
    [BlockId.field('order_id')]: { value: textValue(v.order_id) },
    [BlockId.field('customer')]: { value: textValue(v.customer) },
    [BlockId.field('ship_by')]: { value: dateValue(v.ship_by) },
    [BlockId.field('priority')]: { value: selectValue(v.priority) },
    [BlockId.field('quantity')]: { value: numberValue(v.quantity ?? null) },
    [BlockId.field('notes')]: { value: textValue(v.notes) },
  };
}

/** Submits an order form as a sales rep, the way Slack delivers the modal's submission. */
export async function submitOrder(h: Harness, o: OrderInput = {}, userId = 'U0SALES1', viewId?: string) {
  const res = await h.sim.viewSubmission({
    userId,
    callbackId: 'handoff_form',
    privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }),
    values: orderValues(o),
    viewId,
  });
  await h.settle();
  return res;
}
