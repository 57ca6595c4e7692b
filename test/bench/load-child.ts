/**
 * The processes of the load benchmark (test/bench/load.ts). The driver bundles this file with esbuild
 * (every import of src/ left as an import of the compiled dist/ file, see bundleChild in load.ts) and
 * starts each role as `node <bundle> <role>` with an IPC channel, so none of them shares an event loop
 * with the load generator or with each other, and none carries a TypeScript loader:
 *
 * - `fake`: the fake Slack Web API (src/sandbox/fake-slack.ts) the bot calls. It counts what the bot
 *   sends (channel posts with their Accept buttons, updates, calls per method and the time the fake
 *   spent on them) and drops its call log as it goes, so it does not grow with the run.
 * - `bot`: the real app from dist/ (createHandoffApp, as main.ts wires it, with the node flags of
 *   `npm start`) on Bolt's HTTPReceiver, except `rateLimits: NO_RATE_LIMITS` (Slack's pacing of
 *   10 messages/s would cap any throughput run at 10/s) and `schedule: false` (no cron jobs).
 * - `bare`: a Bolt App on an HTTPReceiver with the same signing secret whose `/handoff` command, Accept
 *   button and form submission listeners only ack: the baseline the bot is compared with.
 *
 * The bot and the bare app report their CPU time, kernel peak RSS (VmHWM) and event-loop figures. Every
 * child reads its settings from the environment and answers the driver's `{ kind: 'query' }` messages;
 * `{ kind: 'stop' }` ends it.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { RecordedCall } from '../helpers/fake-slack';
import { ActionId, CallbackId, COMMAND } from '../../src/slack/ids';

// Slack payloads are open-ended JSON
type Json = any;

export type ChildRole = 'fake' | 'bot' | 'bare';

/** Child → driver. */
export type ChildMessage = { kind: 'ready'; port: number; apiUrl?: string } | { kind: 'reply'; id: number; data: unknown } | { kind: 'failed'; error: string };
/** Driver → child. */
export type DriverMessage = { kind: 'query'; id: number; what: string; arg?: number } | { kind: 'stop' };

/** A channel post of a handoff as the fake saw it: what an Accept click on it carries. */
export interface PostedHandoff {
  readonly value: string;
  readonly ts: string;
  readonly blocks: Json[];
}

export interface FakeStats {
  /** Channel posts (no thread_ts) to the watched channel; when each was answered: the `postTimes` query. */
  readonly posts: number;
  readonly updates: number;
  readonly threadReplies: number;
  readonly calls: Record<string, { n: number; ms: number }>;
  readonly failedCalls: number;
  readonly cpuMs: number;
}

/** When the fake opened each modal (by trigger_id) and updated each post (by ts), in ms since epoch. */
export interface FakeSeen {
  readonly modalOpened: Record<string, number>;
  readonly postUpdated: Record<string, number[]>;
}

export interface BotStats {
  readonly rssMb: number;
  /** The kernel's high-water mark of this process's RSS (VmHWM), in MB; the current RSS where there is no /proc. */
  readonly peakRssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  /** Memory outside the V8 heap that V8 knows of (Buffers, native addons that report it). */
  readonly externalMb: number;
  readonly cpuMs: number;
  /**
   * Since the last `resetLoop`: the share of the time the event loop was busy, and its longest delay (ms;
   * null unless `resetLoop` was asked with arg 1 to watch it).
   */
  readonly loop: { busy: number; maxDelayMs: number | null };
  /** How node was started (to show the bot runs without a TypeScript loader). */
  readonly execArgv: readonly string[];
  readonly nodeOptions: string;
  /** On Postgres (BENCH_COUNT_QUERIES=1): statements sent through node-postgres, and how many failed with a serialization failure or deadlock (40001, 40P01: the transaction runs again). */
  readonly db?: { queries: number; retried: number; byKind: Record<string, number> };
}

const send = (m: ChildMessage) => process.send?.(m);
const mb = (bytes: number) => bytes / 2 ** 20;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The kernel's peak resident set of this process (Linux), in MB. */
function vmHwmMb(): number | null {
  try {
    const kb = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+)\s+kB/m)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

function onMessages(answer: (what: string, arg?: number) => unknown, stop: () => Promise<void>): void {
  process.on('message', (m: DriverMessage) => {
    if (m.kind === 'stop') {
      void stop().finally(() => process.exit(0));
      return;
    }
    Promise.resolve()
      .then(() => answer(m.what, m.arg))
      .then(
        (data) => send({ kind: 'reply', id: m.id, data }),
        (error: unknown) => send({ kind: 'reply', id: m.id, data: { error: String(error) } }),
      );
  });
  // The driver went away (it crashed or was killed): do not outlive it.
  process.on('disconnect', () => process.exit(0));
}

async function runFake(): Promise<void> {
  const { FakeSlack } = await import('../helpers/fake-slack');
  const watched = process.env.BENCH_CHANNEL ?? 'C0OPS';
  const fake = await FakeSlack.start({ usergroups: { S0FUL: ['U0FUL1', 'U0FUL2'] } });
  const postTimes: number[] = [];
  const posted: PostedHandoff[] = [];
  const calls: Record<string, { n: number; ms: number }> = {};
  let updates = 0;
  let threadReplies = 0;
  // When each modal opened (by trigger_id) and each post was updated (by ts): what people wait for.
  const modalOpened: Record<string, number> = {};
  const postUpdated: Record<string, number[]> = {};
  let failedCalls = 0;
  fake.on('call', (call: RecordedCall) => {
    const now = Date.now();
    const c = (calls[call.method] ??= { n: 0, ms: 0 });
    c.n += 1;
    c.ms += now - call.at;
    if (call.status !== 200 || call.response?.ok !== true) failedCalls += 1;
    else if (call.method === 'chat.update' && call.args.channel === watched) {
      updates += 1;
      (postUpdated[String(call.args.ts)] ??= []).push(now);
    } else if (call.method === 'views.open') modalOpened[String(call.args.trigger_id)] = now;
    else if (call.method === 'chat.postMessage' && call.response.channel === watched) {
      if (call.args.thread_ts) threadReplies += 1;
      else {
        postTimes.push(now);
        const blocks: Json[] = Array.isArray(call.args.blocks) ? call.args.blocks : [];
        const accept = blocks.flatMap((b) => (b?.type === 'actions' ? b.elements : [])).find((e: Json) => e?.action_id === ActionId.accept);
        if (accept) posted.push({ value: String(accept.value), ts: String(call.response.ts), blocks });
      }
    }
    // Nothing here reads the call log; keeping it would grow the fake by every block the bot sends.
    if (fake.calls.length > 200) fake.clearCalls();
  });
  onMessages(
    (what, arg) => {
      if (what === 'stats') return { posts: postTimes.length, updates, threadReplies, calls, failedCalls, cpuMs: cpuMs() } satisfies FakeStats;
      // When each channel post from the arg-th on was answered (ms since epoch).
      if (what === 'postTimes') return postTimes.slice(arg ?? 0);
      // The channel posts from the arg-th on, with what an Accept click on each carries.
      if (what === 'posts') return posted.slice(arg ?? 0);
      if (what === 'postCount') return postTimes.length;
      if (what === 'seen') return { modalOpened, postUpdated } satisfies FakeSeen;
      throw new Error(`unknown query ${what}`);
    },
    () => fake.stop(),
  );
  send({ kind: 'ready', port: Number(new URL(fake.apiUrl).port), apiUrl: fake.apiUrl });
}

function sampler() {
  // The delay is sampled by a timer of its own (every 20 ms), whose CPU time would count as the app's: it
  // runs only while a phase asked for it (the closed loop, where it is a few µs per request), never idle.
  const loop = monitorEventLoopDelay({ resolution: 20 });
  let watching = false;
  let elu = performance.eventLoopUtilization();
  return {
    stats(): BotStats {
      const mem = process.memoryUsage();
      return {
        rssMb: mb(mem.rss),
        peakRssMb: vmHwmMb() ?? mb(mem.rss),
        heapUsedMb: mb(mem.heapUsed),
        heapTotalMb: mb(mem.heapTotal),
        externalMb: mb(mem.external),
        cpuMs: cpuMs(),
        loop: { busy: performance.eventLoopUtilization(elu).utilization, maxDelayMs: watching ? loop.max / 1e6 : null },
        execArgv: process.execArgv,
        nodeOptions: process.env.NODE_OPTIONS ?? '',
      };
    },
    resetLoop(watchDelay: boolean): void {
      loop.reset();
      if (watchDelay) loop.enable();
      else loop.disable();
      watching = watchDelay;
      elu = performance.eventLoopUtilization();
    },
  };
}

/** An app process (the bot or the bare one): answers the driver's stats and resetLoop queries, and says it listens on `port`. */
function readyAndSampled(port: number, stop: () => Promise<void>, db?: () => BotStats['db']): void {
  const s = sampler();
  onMessages(
    (what, arg) => {
      if (what === 'stats') return { ...s.stats(), db: db?.() };
      if (what === 'resetLoop') return s.resetLoop(arg === 1);
      throw new Error(`unknown query ${what}`);
    },
    stop,
  );
  send({ kind: 'ready', port });
}

/**
 * Counts what the bot sends to Postgres: every statement through node-postgres' Client.query (the
 * pool's queries go through it too), and each that failed with 40001/40P01, after which
 * PostgresDatabase.transaction runs the transaction again. A counter per call, nothing else.
 */
async function countPostgresQueries(): Promise<() => BotStats['db']> {
  const { default: pg } = await import('pg');
  const counts = { queries: 0, retried: 0 };
  // By statement kind: its first words and the table it names, e.g. "update outbox", "begin".
  const byKind: Record<string, number> = {};
  const kindOf = (text: string) => {
    const t = text.trim().toLowerCase();
    const verb = t.split(/\s+/)[0] ?? '?';
    const table = t.match(/(?:from|into|update)\s+"?(\w+)"?/)?.[1];
    return table ? `${verb} ${table}` : verb;
  };
  const retryable = (error: unknown) => ['40001', '40P01'].includes(String((error as { code?: unknown } | null)?.code));
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    counts.queries += 1;
    const config = args[0] as string | { text?: string } | undefined;
    const kind = kindOf(typeof config === 'string' ? config : (config?.text ?? '?'));
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, ...rest: unknown[]) => {
        if (retryable(error)) counts.retried += 1;
        return (callback as (...a: unknown[]) => unknown)(error, ...rest);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) result.catch((error: unknown) => void (retryable(error) && (counts.retried += 1)));
    return result;
  };
  return () => ({ ...counts, byKind: { ...byKind } });
}

async function runBot(): Promise<void> {
  const db = process.env.BENCH_COUNT_QUERIES === '1' ? await countPostgresQueries() : undefined;
  // Loaded only in this role (the bundle is shared), as main.ts loads them: from dist/.
  const [{ loadConfig }, { createHandoffApp }, { NO_RATE_LIMITS }] = await Promise.all([import('../../src/config/load-config'), import('../../src/handoff-app'), import('../../src/slack/rate-limiter')]);
  const { env, workflow } = loadConfig(process.env);
  const app = await createHandoffApp({ env, workflow, processMetrics: true, rateLimits: NO_RATE_LIMITS, schedule: false });
  readyAndSampled(await app.start(0), () => app.stop(2000), db);
}

async function runBare(): Promise<void> {
  const { App, HTTPReceiver, LogLevel } = await import('@slack/bolt');
  const signingSecret = process.env.SLACK_SIGNING_SECRET ?? '';
  const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events', processBeforeResponse: false });
  // Same token and API URL as the bot, so Bolt's one auth.test goes to the fake Slack, not to slack.com.
  const app = new App({ token: process.env.SLACK_BOT_TOKEN, receiver, clientOptions: { slackApiUrl: process.env.SLACK_API_URL }, logLevel: LogLevel.ERROR });
  app.command(COMMAND, async ({ ack }) => {
    await ack();
  });
  app.action(ActionId.accept, async ({ ack }) => {
    await ack();
  });
  app.view(CallbackId.form, async ({ ack }) => {
    await ack();
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  readyAndSampled((server.address() as AddressInfo).port, () => app.stop().then(() => undefined));
}

const role = process.argv[2] as ChildRole;
const run = role === 'fake' ? runFake : role === 'bot' ? runBot : role === 'bare' ? runBare : null;
if (!run) {
  console.error(`load-child: unknown role ${role}`);
  process.exit(2);
}
run().catch((error: unknown) => {
  send({ kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
