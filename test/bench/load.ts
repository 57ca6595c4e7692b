/**
 * Load benchmark of the HTTP receiver (issue 5), part of `npm run bench`; alone: `npx tsx test/bench/load.ts`
 * (LOAD_BENCH_REQUESTS / LOAD_BENCH_SUBMISSIONS / LOAD_BENCH_THROUGHPUT_RUNS change the sizes, LOAD_BENCH_PROFILE=<dir> writes a CPU
 * profile of the bot).
 *
 * Three child processes (test/bench/load-child.ts): the bot (the real app with its HTTP receiver and a
 * temporary SQLite file, without message pacing), a bare Bolt app that only acks, and the fake Slack the
 * bot talks to. This process is only the load generator: it sends signed requests, built as Slack
 * builds them, over keep-alive HTTP with 50 requests in flight, and measures
 * - ack latency (p50, p99, max) of `/handoff order-to-ops` and of Accept clicks, against the bot and
 *   against the bare app in the same run, in interleaved rounds (after each round of the bot it waits
 *   until the bot's side effects are done, so neither app runs while the other's work goes on);
 * - end-to-end throughput: form submissions until the fake Slack has received every channel post (three
 *   runs, the median reported: the machine may be shared);
 * - the bot process's peak RSS;
 * and, to show where the time goes, CPU per request of both apps, how busy the bot's event loop was and
 * how fast the outbox sent once the requests stopped. It informs; it does not gate (a missed target
 * prints FAIL, the exit code stays 0).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ID, BOT_ID, BOT_USER_ID } from '../helpers/fake-slack';
import { orderValues } from '../helpers/harness';
import { ActionId, BlockId, CallbackId, COMMAND } from '../../src/slack/ids';
import { SlackClientSim, signedHeaders } from '../helpers/slack-requests';
import type { BotStats, ChildMessage, ChildRole, DriverMessage, FakeSeen, FakeStats, PostedHandoff } from './load-child';
import { build } from 'esbuild';

/** The bench child as one plain JavaScript file (packages stay imports), so it runs without a loader. */
async function bundle(entry: string): Promise<string> {
  const outfile = entry.replace(/\.ts$/, '.bundle.mjs').replace('/test/bench/', '/node_modules/.cache/handoff-bench/');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'silent' });
  return outfile;
}
import { fmtInt, fmtMs, heading, median, table } from './report';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The children run as production runs: from the bundle src/bin.mjs makes, with the node flags of `npm start`. */
const CHILD = 'test/bench/load-child.ts';
/** The node flags of `npm start` (the heap limit), read from package.json so the bench cannot drift from it. */
const START_NODE_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.match(/^node((?:\s+--\S+)*)\s/)?.[1].trim().split(/\s+/) ?? [];
const FIXTURE = join(ROOT, 'test/fixtures/handoff.config.yaml');
const SIGNING_SECRET = 'bench-signing-secret';
const BOT_TOKEN = 'xoxb-bench-token';
const FORM = 'application/x-www-form-urlencoded';
/** The receiving team's channel of order-to-ops in the fixture, and who may act on it. */
const OPS_CHANNEL = 'C0OPS';
const SALES = ['U0SALES1', 'U0SALES2'];
const OPS = ['U0OPS1', 'U0OPS2', 'U0OPS3'];

/** Slack gives up on an ack after 3 s; the bench gives up on a request after 10 s (counted as an error). */
const SLACK_ACK_LIMIT_MS = 3000;
const REQUEST_TIMEOUT_MS = 10_000;
/** Longest wait for side effects (views.open, channel posts, the outbox) before a phase is reported as unfinished. */
const DRAIN_LIMIT_MS = 60_000;

export interface LoadBenchOptions {
  /** Requests per case (`/handoff`, Accept) and per app. */
  readonly requests?: number;
  /** Form submissions of each throughput run; the first `requests` of the last run are then accepted. */
  readonly submissions?: number;
  /** Throughput runs; the median one is reported (default 3). */
  readonly throughputRuns?: number;
  readonly concurrency?: number;
  /** Rounds each case is split into, alternating bot and bare app. */
  readonly rounds?: number;
  readonly log?: (line: string) => void;
}

export interface LoadRow {
  readonly name: string;
  readonly value: string;
  readonly target: string;
  readonly verdict: 'PASS' | 'FAIL' | '-';
}

export interface LoadBenchResult {
  readonly rows: LoadRow[];
  /** Context for the table: what ran where, and anything that did not go as expected. */
  readonly notes: string[];
}

// ---- child processes --------------------------------------------------------------------------

class Child {
  private out = '';
  private seq = 0;
  private readonly pending = new Map<number, (data: unknown) => void>();
  readonly exited: Promise<void>;

  private constructor(
    readonly role: ChildRole,
    readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (d) => (this.out = (this.out + d).slice(-20_000)));
    proc.stderr?.on('data', (d) => (this.out = (this.out + d).slice(-20_000)));
    proc.on('message', (m: ChildMessage) => {
      if (m.kind !== 'reply') return;
      this.pending.get(m.id)?.(m.data);
      this.pending.delete(m.id);
    });
    this.exited = new Promise((done) => proc.once('exit', () => done()));
  }

  /** Starts `node <bundle of load-child.ts> <role>` (added to `started` at once, for cleanup) and waits for it to say it listens. */
  static async start(role: ChildRole, env: Record<string, string>, started: Child[]): Promise<{ child: Child; port: number; apiUrl?: string }> {
    const script = await bundle(CHILD);
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL', 'DATABASE_URL', 'HANDOFF_CONFIG', 'PORT', 'LOG_LEVEL']) delete base[name];
    // LOAD_BENCH_PROFILE=<dir> writes a V8 CPU profile of the bot (open it in Chrome DevTools) for finding where the time goes.
    const profile = role === 'bot' && process.env.LOAD_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.LOAD_BENCH_PROFILE)}`] : [];
    const extra = role === 'bot' ? (process.env.LOAD_BENCH_NODE_ARGS?.split(' ') ?? START_NODE_FLAGS) : [];
    const proc = fork(fileURLToPath(script), [role], { cwd: ROOT, execArgv: [...profile, ...extra], env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const child = new Child(role, proc);
    started.push(child);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        fail(new Error(`the ${role} process did not start within 30 s:\n${child.out}`));
      }, 30_000);
      proc.on('message', (m: ChildMessage) => {
        if (m.kind === 'ready') {
          clearTimeout(timer);
          done({ child, port: m.port, apiUrl: m.apiUrl });
        } else if (m.kind === 'failed') {
          clearTimeout(timer);
          fail(new Error(`the ${role} process failed to start: ${m.error}\n${child.out}`));
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`the ${role} process exited at start (code ${code}, signal ${signal}):\n${child.out}`));
      });
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  query<T>(what: string, arg?: number): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((done, fail) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new Error(`the ${this.role} process did not answer "${what}" within 15 s`));
      }, 15_000);
      this.pending.set(id, (data) => {
        clearTimeout(timer);
        const error = (data as { error?: string } | null)?.error;
        if (error) fail(new Error(`${this.role}: ${error}`));
        else done(data as T);
      });
      try {
        this.proc.send({ kind: 'query', id, what, arg } satisfies DriverMessage);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        fail(new Error(`the ${this.role} process is gone: ${String(error)}\n${this.out}`));
      }
    });
  }

  /** Asks it to stop; kills it (by its own pid) when it has not gone after 5 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.connected) this.proc.send({ kind: 'stop' } satisfies DriverMessage);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---- requests as Slack sends them -------------------------------------------------------------

interface Sample {
  /** performance.now() when it was sent. */
  readonly at: number;
  readonly ms: number;
  readonly status: number;
  readonly body: string;
}

// The bodies Slack sends, built by the same simulator the tests and the sandbox use (signed per request in send());
// once the fake Slack runs, their response_urls point at it.
let bodies = new SlackClientSim({ url: 'unused', signingSecret: SIGNING_SECRET });

/** `/handoff <text>` as Slack posts a slash command. */
const commandBody = (userId: string, text: string) => bodies.slashCommandBody({ userId, text, command: COMMAND });

/** The order-to-ops form submitted, with the same values as the tests' orderValues. */
const submissionBody = (userId: string, orderId: string, viewId: string, shipBy: string) =>
  bodies.viewSubmissionBody({
    userId,
    viewId,
    callbackId: CallbackId.form,
    privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }),
    values: orderValues({ order_id: orderId, customer: 'ACME GmbH', ship_by: shipBy, priority: 'Urgent', quantity: 3, notes: 'Fragile' }),
  });

/** An Accept click on the channel post, carrying the post as Slack does (its blocks included). */
const acceptBody = (userId: string, post: PostedHandoff) =>
  bodies.blockActionBody({
    userId,
    actionId: ActionId.accept,
    value: post.value,
    blockId: BlockId.actions,
    channelId: OPS_CHANNEL,
    messageTs: post.ts,
    message: { type: 'message', subtype: 'bot_message', bot_id: BOT_ID, user: BOT_USER_ID, app_id: APP_ID, ts: post.ts, text: '', blocks: post.blocks },
  });

/** One signed POST to /slack/events; the time runs from sending to the last byte of the answer (signing is outside). */
function send(agent: Agent, port: number, body: string): Promise<Sample> {
  const headers = { ...signedHeaders(SIGNING_SECRET, body, FORM), 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((done) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ at: t0, ms: performance.now() - t0, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => done({ at: t0, ms: performance.now() - t0, status: 0, body: String(e) }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e) => done({ at: t0, ms: performance.now() - t0, status: 0, body: String(e) }));
    req.end(body);
  });
}

/** Runs `count` requests with `concurrency` in flight; `fire(i)` sends the i-th. */
async function pool(count: number, concurrency: number, fire: (i: number) => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        samples[i] = await fire(i);
      }
    }),
  );
  return samples;
}

/** A new keep-alive pool per phase, so no connection sits idle past the server's keep-alive timeout. */
const newAgent = (concurrency: number) => new Agent({ keepAlive: true, maxSockets: concurrency });

async function waitUntil(check: () => Promise<boolean>, limitMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function outboxPending(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { outbox: { pending: number } }).outbox.pending;
}

// ---- statistics --------------------------------------------------------------------------------

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly over3s: number;
  /** Answered with something other than a plain 200 ack, or not at all. */
  readonly bad: number;
  readonly firstBad?: string;
}

function latencyOf(samples: readonly Sample[], ok: (s: Sample) => boolean): Latency {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const bad = samples.filter((s) => !ok(s));
  return {
    n: samples.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms[ms.length - 1] ?? Number.NaN,
    over3s: ms.filter((m) => m >= SLACK_ACK_LIMIT_MS).length,
    bad: bad.length,
    firstBad: bad[0] ? `HTTP ${bad[0].status}: ${bad[0].body.slice(0, 200)}` : undefined,
  };
}

const verdict = (pass: boolean): LoadRow['verdict'] => (pass ? 'PASS' : 'FAIL');
const ms = (x: number) => `${fmtMs(x)} ms`;
const rate = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : Number.NaN);
const mb = (x: number) => `${x.toFixed(0)} MB`;

/** The three latency rows of one case, the bare app's figures beside the bot's. */
function latencyRows(name: string, bot: Latency, bare: Latency): LoadRow[] {
  const ratio = bot.p50 / bare.p50;
  return [
    { name: `${name} ack p50`, value: `${ms(bot.p50)} (bare Bolt ${ms(bare.p50)}, ${ratio.toFixed(2)}×)`, target: '≤ 1.5× bare p50', verdict: verdict(ratio <= 1.5) },
    { name: `${name} ack p99`, value: `${ms(bot.p99)} (bare Bolt ${ms(bare.p99)})`, target: '< 1,000 ms', verdict: verdict(bot.p99 < 1000) },
    {
      name: `${name} ack max`,
      value: `${ms(bot.max)} (bare Bolt ${ms(bare.max)}); ${fmtInt(bot.over3s)} of ${fmtInt(bot.n)} over 3 s`,
      target: '< 3,000 ms',
      verdict: verdict(bot.max < SLACK_ACK_LIMIT_MS && bot.bad === 0),
    },
  ];
}

export function loadResultsTable(rows: readonly LoadRow[]): string {
  return table(
    ['measurement', 'value', 'target', 'pass/fail'],
    rows.map((r) => [r.name, r.value, r.target, r.verdict]),
  );
}

// ---- the run -----------------------------------------------------------------------------------

type Target = 'bot' | 'bare';
/** Round r runs the bare app first when r is even, the bot first when odd. */
const order = (r: number): readonly Target[] => (r % 2 === 0 ? ['bare', 'bot'] : ['bot', 'bare']);

export async function runLoadBench(opts: LoadBenchOptions = {}): Promise<LoadBenchResult> {
  const log = opts.log ?? (() => undefined);
  const requests = opts.requests ?? 2000;
  const submissions = Math.max(opts.submissions ?? 3000, requests);
  const throughputRuns = Math.max(1, opts.throughputRuns ?? 3);
  const concurrency = opts.concurrency ?? 50;
  const rounds = opts.rounds ?? 4;
  const perRound = Math.ceil(requests / rounds);
  const rows: LoadRow[] = [];
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'handoff-load-bench-'));
  const children: Child[] = [];
  const shipBy = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  let orderSeq = 10_000;
  let viewSeq = 0;
  const nextSubmission = (i: number) => submissionBody(SALES[i % SALES.length], `SO-${++orderSeq}`, `VBENCH${String(++viewSeq).padStart(7, '0')}`, shipBy);

  try {
    // --- Processes --------------------------------------------------------------------------------------
    const fake = await Child.start('fake', { BENCH_CHANNEL: OPS_CHANNEL }, children);
    bodies = new SlackClientSim({ url: 'unused', signingSecret: SIGNING_SECRET, responseUrls: fake.apiUrl?.replace(/\/api\/$/, '/hooks') });
    const slackEnv = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl ?? '' };
    const [bot, bare] = await Promise.all([
      Child.start('bot', { ...slackEnv, DATABASE_URL: `file:${join(dir, 'load.db')}`, HANDOFF_CONFIG: FIXTURE, LOG_LEVEL: 'error' }, children),
      Child.start('bare', slackEnv, children),
    ]);
    const port = (t: Target) => (t === 'bot' ? bot.port : bare.port);
    const fakeStats = () => fake.child.query<FakeStats>('stats');
    const botStats = () => bot.child.query<BotStats>('stats');
    const postCount = () => fake.child.query<number>('postCount');
    const views = async () => (await fakeStats()).calls['views.open']?.n ?? 0;
    const drained = () => waitUntil(async () => (await outboxPending(bot.port)) === 0, DRAIN_LIMIT_MS, 50);
    const atStart = await botStats();
    log(`bot pid ${bot.child.pid} on :${bot.port}, bare Bolt app pid ${bare.child.pid} on :${bare.port}, fake Slack pid ${fake.child.pid} on :${fake.port}`);

    /**
     * A fresh keep-alive pool with all its connections opened by one burst of `/handoff help` (acked at
     * once, no side effects), so measured requests run on established connections. The burst's own
     * slowest ack is kept: 50 connections arriving at once is what a busy Slack does too.
     */
    const bursts: Record<Target, number[]> = { bot: [], bare: [] };
    const connected = async (t: Target) => {
      const agent = newAgent(concurrency);
      const burst = await pool(concurrency, concurrency, (i) => send(agent, port(t), commandBody(SALES[i % 2], 'help')));
      bursts[t].push(Math.max(...burst.map((b) => b.ms)));
      return agent;
    };

    // --- Warm-up: JIT, SQLite pages, first connections; not measured ------------------------------------
    {
      const warm = 200;
      for (const t of ['bare', 'bot'] as const) {
        const agent = newAgent(concurrency);
        await pool(warm, concurrency, (i) => send(agent, port(t), commandBody(SALES[i % 2], 'order-to-ops')));
        agent.destroy();
      }
      const agent = newAgent(concurrency);
      const submitted = await pool(100, concurrency, (i) => send(agent, bot.port, nextSubmission(i)));
      agent.destroy();
      const refused = submitted.filter((s) => s.status !== 200 || s.body !== '');
      if (refused.length > 0) throw new Error(`the bot refused ${refused.length} of 100 warm-up submissions, e.g. HTTP ${refused[0].status} ${refused[0].body.slice(0, 300)}`);
      await waitUntil(async () => (await postCount()) >= 100 && (await views()) >= warm, DRAIN_LIMIT_MS);
      await drained();
    }

    /**
     * One latency case: `rounds` rounds, each sending `perRound` requests to the bare app and to the bot
     * (alternating who goes first), each on freshly opened connections. `settle()`, called before the
     * bot's part, returns a wait for the side effects of its requests (modals, outbox), so neither app
     * runs while the other's work goes on; the bot's CPU time per request includes that work.
     */
    const latencyCase = async (body: (r: number, i: number, t: Target) => string, settle: () => Promise<() => Promise<boolean>>, what: string) => {
      const samples: Record<Target, Sample[]> = { bot: [], bare: [] };
      const cpu: Record<Target, number> = { bot: 0, bare: 0 };
      const busy: number[] = [];
      let maxDelayMs = 0;
      let settleMs = 0;
      for (let r = 0; r < rounds; r++) {
        for (const t of order(r)) {
          const stats = () => (t === 'bot' ? botStats() : bare.child.query<BotStats>('stats'));
          const agent = await connected(t);
          await (t === 'bot' ? bot.child : bare.child).query('resetLoop');
          const settled = t === 'bot' ? await settle() : null;
          const cpu0 = (await stats()).cpuMs;
          const t0 = performance.now();
          samples[t].push(...(await pool(perRound, concurrency, (i) => send(agent, port(t), body(r, i, t)))));
          agent.destroy();
          if (settled) {
            const { loop } = await botStats();
            busy.push(loop.busy);
            maxDelayMs = Math.max(maxDelayMs, loop.maxDelayMs);
            if (!(await settled())) notes.push(`${what}, round ${r + 1}: the bot's side effects were not done after ${DRAIN_LIMIT_MS / 1000} s`);
            settleMs += performance.now() - t0;
          }
          cpu[t] += (await stats()).cpuMs - cpu0;
        }
      }
      const ack = (s: Sample) => s.status === 200 && s.body === '';
      const bot_ = latencyOf(samples.bot, ack);
      const bare_ = latencyOf(samples.bare, ack);
      log(`${what}: bot p50 ${ms(bot_.p50)} p99 ${ms(bot_.p99)} max ${ms(bot_.max)}; bare p50 ${ms(bare_.p50)} p99 ${ms(bare_.p99)} max ${ms(bare_.max)}; bot peak RSS so far ${mb((await botStats()).vmHwmMb ?? 0)}`);
      return {
        bot: bot_,
        bare: bare_,
        cpuPerRequest: { bot: cpu.bot / samples.bot.length, bare: cpu.bare / samples.bare.length },
        loop: { busy: busy.reduce((a, b) => a + b, 0) / busy.length, maxDelayMs },
        settledPerSecond: rate(samples.bot.length, settleMs),
      };
    };

    // --- Ack latency of /handoff order-to-ops ------------------------------------------------------------
    // When each of the bot's requests went out, by what identifies its outcome at the fake Slack (trigger_id, post ts).
    const sentAt = new Map<string, number>();
    const commands = await latencyCase(
      (_r, i, t) => {
        const body = commandBody(SALES[i % 2], 'order-to-ops');
        if (t === 'bot') sentAt.set(new URLSearchParams(body).get('trigger_id') ?? '', Date.now());
        return body;
      },
      // The modal opens after the ack: wait for the bot's views.open calls.
      async () => {
        const before = await views();
        return () => waitUntil(async () => (await views()) >= before + perRound, DRAIN_LIMIT_MS);
      },
      '/handoff',
    );

    // --- Throughput: submit → stored → posted ------------------------------------------------------------
    const throughputRun = async () => {
      const agent = await connected('bot');
      const before = await postCount();
      const cpu0 = { bot: (await botStats()).cpuMs, fake: (await fakeStats()).cpuMs };
      await bot.child.query('resetLoop');
      const t0 = Date.now();
      const samples = await pool(submissions, concurrency, (i) => send(agent, bot.port, nextSubmission(i)));
      const ackMs = Date.now() - t0;
      agent.destroy();
      const { loop } = await botStats();
      const complete = await waitUntil(async () => (await postCount()) >= before + submissions, DRAIN_LIMIT_MS, 20);
      const fs = await fakeStats();
      const bs = await botStats();
      const endAt = complete ? fs.postTimes[before + submissions - 1] : Date.now();
      const wallMs = endAt - t0;
      // Posts still to go when the last ack came back, and how fast the outbox sent them after that.
      const postedByAcks = fs.postTimes.slice(before).filter((t) => t <= t0 + ackMs).length;
      return {
        samples,
        posted: fs.posts - before,
        complete,
        wallMs,
        ackMs,
        afterAcks: { posts: fs.posts - before - postedByAcks, perSecond: rate(fs.posts - before - postedByAcks, endAt - (t0 + ackMs)) },
        cpuPerHandoff: (bs.cpuMs - cpu0.bot) / Math.max(1, fs.posts - before),
        botCpu: (bs.cpuMs - cpu0.bot) / wallMs,
        fakeCpu: (fs.cpuMs - cpu0.fake) / wallMs,
        loop,
      };
    };
    // The machine this runs on may be shared: several runs, and the median one is reported.
    const runs: Array<Awaited<ReturnType<typeof throughputRun>>> = [];
    for (let r = 0; r < throughputRuns; r += 1) {
      runs.push(await throughputRun());
      if (!(await drained())) notes.push(`the outbox still had entries ${DRAIN_LIMIT_MS / 1000} s after throughput run ${r + 1}`);
    }
    const rateOf = (run: (typeof runs)[number]) => (run.complete ? rate(run.posted, run.wallMs) : 0);
    const throughput = [...runs].sort((a, b) => rateOf(a) - rateOf(b))[Math.floor(runs.length / 2)];
    const submitLatency = latencyOf(throughput.samples, (s) => s.status === 200 && s.body === '');
    log(`throughput: ${runs.map((run) => `${rateOf(run).toFixed(0)}/s`).join(', ')}; the median run: ${fmtInt(throughput.posted)} posted in ${fmtMs(throughput.wallMs)} ms, acks done after ${fmtMs(throughput.ackMs)} ms; bot peak RSS so far ${mb((await botStats()).vmHwmMb ?? 0)}`);

    // --- Ack latency of Accept: every click of the bot on a different open handoff ---------------------------
    const targets = (await fake.child.query<PostedHandoff[]>('posts')).slice(-submissions);
    if (targets.length < perRound * rounds) notes.push(`only ${targets.length} posted handoffs to accept (wanted ${perRound * rounds})`);
    const updates0 = (await fakeStats()).updates;
    const accepts = await latencyCase(
      (r, i, t) => {
        const target = targets[(r * perRound + i) % targets.length];
        if (t === 'bot') sentAt.set(target.ts, Date.now());
        return acceptBody(OPS[i % OPS.length], target);
      },
      // Each accept updates the post, replies in its thread and DMs the requester: wait for the outbox.
      async () => drained,
      'Accept',
    );
    const final = await fakeStats();
    const accepted = final.updates - updates0;
    if (accepted < accepts.bot.n) notes.push(`the fake Slack saw ${accepted} post updates for ${accepts.bot.n} Accept clicks`);
    const mem = await botStats();
    const peakMb = Math.max(mem.peakRssMb, mem.vmHwmMb ?? 0);
    // What the person waits for: the modal open after /handoff, the post showing the owner after Accept.
    const seen = await fake.child.query<FakeSeen>('seen');
    const waited = (at: (key: string, sent: number) => number | undefined) =>
      [...sentAt].flatMap(([key, sent]) => {
        const done = at(key, sent);
        return done === undefined ? [] : [done - sent];
      }).sort((a, b) => a - b);
    const modalWait = waited((trigger) => seen.modalOpened[trigger]);
    const updateWait = waited((ts, sent) => seen.postUpdated[ts]?.find((t) => t >= sent));

    // --- Rows ----------------------------------------------------------------------------------------------------
    const cmdBot = commands.bot;
    const accBot = accepts.bot;
    rows.push(...latencyRows(`/handoff order-to-ops (${fmtInt(cmdBot.n)} per app)`, cmdBot, commands.bare));
    rows.push(...latencyRows(`Accept click (${fmtInt(accBot.n)} per app)`, accBot, accepts.bare));
    const waitText = (w: number[]) => `p50 ${ms(percentile(w, 50))}, p99 ${ms(percentile(w, 99))}, max ${ms(w.at(-1) ?? Number.NaN)} (${fmtInt(w.length)} requests)`;
    rows.push({ name: '  /handoff → its modal open (bot)', value: waitText(modalWait), target: '-', verdict: '-' });
    rows.push({ name: '  Accept → the post shows the owner (bot)', value: waitText(updateWait), target: '-', verdict: '-' });
    rows.push({
      name: '  50 new connections at once, slowest ack',
      value: `${ms(Math.max(...bursts.bot))} (bare Bolt ${ms(Math.max(...bursts.bare))}); median of ${bursts.bot.length} bursts ${ms(median(bursts.bot))}`,
      target: '< 3,000 ms',
      verdict: verdict(Math.max(...bursts.bot) < SLACK_ACK_LIMIT_MS),
    });
    rows.push({
      name: '  CPU per request, side effects included',
      value: `/handoff ${ms(commands.cpuPerRequest.bot)} (bare Bolt ${ms(commands.cpuPerRequest.bare)}); Accept ${ms(accepts.cpuPerRequest.bot)} (bare Bolt ${ms(accepts.cpuPerRequest.bare)})`,
      target: '-',
      verdict: '-',
    });
    const e2e = rate(throughput.posted, throughput.wallMs);
    rows.push({
      name: `submit → stored → posted (${fmtInt(submissions)} forms, median of ${runs.length} runs)`,
      value: `${fmtInt(throughput.posted)} posted in ${(throughput.wallMs / 1000).toFixed(1)} s = ${e2e.toFixed(0)}/s${throughput.complete ? '' : ' (unfinished)'}; runs: ${runs.map((run) => rateOf(run).toFixed(0)).join(', ')}/s`,
      target: '≥ 300/s',
      verdict: verdict(throughput.complete && e2e >= 300),
    });
    rows.push({ name: '  submit acks only', value: `${fmtInt(submissions)} in ${(throughput.ackMs / 1000).toFixed(1)} s = ${rate(submissions, throughput.ackMs).toFixed(0)}/s`, target: '-', verdict: '-' });
    rows.push({
      name: '  posts left at the last ack, then sent at',
      value: `${fmtInt(throughput.afterAcks.posts)}, ${throughput.afterAcks.perSecond.toFixed(0)}/s (the outbox alone)`,
      target: '-',
      verdict: '-',
    });
    rows.push({
      name: '  submit ack p50 / p99 / max',
      value: `${ms(submitLatency.p50)} / ${ms(submitLatency.p99)} / ${ms(submitLatency.max)}`,
      target: '< 3,000 ms',
      verdict: verdict(submitLatency.max < SLACK_ACK_LIMIT_MS && submitLatency.bad === 0),
    });
    rows.push({
      name: '  CPU',
      value: `bot ${ms(throughput.cpuPerHandoff)} per handoff, ${(throughput.botCpu * 100).toFixed(0)}% of a core; fake Slack ${(throughput.fakeCpu * 100).toFixed(0)}%`,
      target: '-',
      verdict: '-',
    });
    rows.push({ name: 'Accept: click → messages sent', value: `${accepts.settledPerSecond.toFixed(0)}/s`, target: '-', verdict: '-' });
    const loopText = (l: { busy: number; maxDelayMs: number }) => `${(l.busy * 100).toFixed(0)}% (${ms(l.maxDelayMs)})`;
    rows.push({
      name: 'bot event loop busy (longest delay)',
      value: `/handoff ${loopText(commands.loop)}; submit ${loopText(throughput.loop)}; Accept ${loopText(accepts.loop)}`,
      target: '-',
      verdict: '-',
    });
    rows.push({
      name: 'peak RSS of the bot process',
      value: `${mb(peakMb)} (VmHWM ${mem.vmHwmMb === null ? 'n/a' : mb(mem.vmHwmMb)}, sampled ${mb(mem.peakRssMb)})`,
      target: '< 200 MB',
      verdict: verdict(peakMb < 200),
    });
    rows.push({
      name: '  at start / at the end',
      value: `start: RSS ${mb(atStart.rssMb)}, heap ${mb(atStart.heapUsedMb)}; end: RSS ${mb(mem.rssMb)}, heap ${mb(mem.heapUsedMb)} used of ${mb(mem.heapTotalMb)}`,
      target: '-',
      verdict: '-',
    });

    const cases = [
      ['/handoff (bot)', cmdBot],
      ['/handoff (bare)', commands.bare],
      ['Accept (bot)', accBot],
      ['Accept (bare)', accepts.bare],
      ['submit (bot)', submitLatency],
    ] as const;
    for (const [what, l] of cases) if (l.bad > 0) notes.push(`${what}: ${l.bad} requests not answered with an empty 200 ack, e.g. ${l.firstBad}`);
    if (final.failedCalls > 0) notes.push(`the fake Slack answered ${final.failedCalls} Web API calls with an error`);
    const perCall = Object.entries(final.calls)
      .sort(([, a], [, b]) => b.n - a.n)
      .map(([method, c]) => `${method} ${fmtInt(c.n)} (${(c.ms / c.n).toFixed(2)} ms)`)
      .join(', ');
    notes.unshift(
      `bot: createHandoffApp in its own process, bundled as src/bin.mjs runs it, node ${START_NODE_FLAGS.join(' ')} (the flags of npm start), with rateLimits NO_RATE_LIMITS (Slack pacing of 1 msg/s per channel and 10/s per workspace off), schedule: false, a fresh SQLite file, LOG_LEVEL=error`,
      `load: this process, ${concurrency} requests in flight over keep-alive HTTP to 127.0.0.1; each case in ${rounds} rounds alternating bot and bare Bolt app, each round on 50 connections opened just before; ${fmtInt(cases.reduce((n, [, l]) => n + l.bad, 0))} requests failed`,
      `fake Slack (a third process), calls and mean time in the fake: ${perCall}`,
    );
    return { rows, notes };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  heading('Load: the HTTP receiver under 50 concurrent requests');
  const started = performance.now();
  const n = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const result = await runLoadBench({ log: (line) => console.log(line), requests: n('LOAD_BENCH_REQUESTS'), submissions: n('LOAD_BENCH_SUBMISSIONS'), throughputRuns: n('LOAD_BENCH_THROUGHPUT_RUNS') });
  console.log(`\n${loadResultsTable(result.rows)}\n`);
  for (const n of result.notes) console.log(`note: ${n}`);
  console.log(`load bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
