/**
 * Load benchmark of the bot (issue 5), part of `npm run bench`; alone: `npx tsx test/bench/load.ts`.
 * LOAD_BENCH_REQUESTS / LOAD_BENCH_SUBMISSIONS / LOAD_BENCH_THROUGHPUT_RUNS / LOAD_BENCH_OPEN_SECONDS change
 * the sizes; LOAD_BENCH_PROFILE=<dir> writes a CPU profile of the bot.
 *
 * The bot runs as production runs it: `npm run build` first, then the compiled dist/ in a process of its
 * own with the node flags of `npm start` (no heap flags), a temporary SQLite file and the default log
 * level (its JSON lines go to a pipe this process reads). Two differences, both for the load to be a
 * load: `rateLimits: NO_RATE_LIMITS` (Slack's pacing of 1 message/s per channel and 10/s per workspace
 * would cap every figure below at 10/s) and `schedule: false` (no cron jobs).
 *
 * Beside it, in the same run and on the same machine: a bare Bolt app (Bolt's HTTPReceiver, listeners
 * that only ack) under the same requests, and the fake Slack the bot talks to, each a process of its own
 * (test/bench/load-child.ts). This process only generates load: signed requests built as Slack builds
 * them, over keep-alive HTTP. It measures
 * - CPU per request, side effects included: process.cpuUsage() of the app process from the first request
 *   until the modals are open and the outbox has drained, ÷ requests; for `/handoff`, Accept and a form
 *   submitted → stored → posted, and the bare app's figure for the same requests;
 * - an open loop at a realistic 20 requests/s (commands, Accept clicks and submissions in turn, sent on
 *   schedule whatever the answers do) for 30 s: ack p50/p99, and what people wait for: `/handoff` sent →
 *   views.open seen by the fake Slack, Accept sent → chat.update seen;
 * - a closed loop of 50 requests in flight (interleaved rounds of the bot and the bare app): ack p50,
 *   p99, max, requests over Slack's 3 s;
 * - throughput of submit → stored → posted (three runs, the median reported: the machine may be shared);
 * - the bot process's peak RSS (VmHWM), and the time from spawning `node dist/bin.js start` until its
 *   port accepts and GET /healthz answers 200.
 * It informs; it does not gate (a missed target prints FAIL, the exit code stays 0).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepting, freePort } from '../helpers/child-bot';
import { APP_ID, BOT_ID, BOT_USER_ID } from '../helpers/fake-slack';
import { orderValues } from '../helpers/harness';
import { ActionId, BlockId, CallbackId, COMMAND } from '../../src/slack/ids';
import { SlackClientSim, signedHeaders } from '../helpers/slack-requests';
import type { BotStats, ChildMessage, ChildRole, DriverMessage, FakeSeen, FakeStats, PostedHandoff } from './load-child';
import { fmtInt, fmtMs, heading, median, table } from './report';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = join(ROOT, 'test/bench/load-child.ts');
/** Where the children's bundle goes: inside node_modules, so its imports of packages resolve as the bot's do. */
const CHILD_BUNDLE = join(ROOT, 'node_modules/.cache/handoff-bench/load-child.mjs');
const BIN = join(ROOT, 'dist/bin.js');
/** The node flags of `npm start`, read from package.json so the bench cannot drift from it. */
const START_NODE_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.match(/^node((?:\s+--\S+)*)\s/)?.[1].trim().split(/\s+/) ?? [];
export const FIXTURE = join(ROOT, 'test/fixtures/handoff.config.yaml');
export const SIGNING_SECRET = 'bench-signing-secret';
export const BOT_TOKEN = 'xoxb-bench-token';
const FORM = 'application/x-www-form-urlencoded';
/** Variables of the bot that come from the bench, never from the shell running it. */
const BOT_VARS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL', 'DATABASE_URL', 'HANDOFF_CONFIG', 'PORT', 'LOG_LEVEL', 'METRICS_TOKEN', 'NODE_OPTIONS'];
/** The receiving team's channel of order-to-ops in the fixture, and who may act on it. */
export const OPS_CHANNEL = 'C0OPS';
export const SALES = ['U0SALES1', 'U0SALES2'];
const OPS = ['U0OPS1', 'U0OPS2', 'U0OPS3'];

/** Slack gives up on an ack after 3 s; the bench gives up on a request after 10 s (counted as an error). */
const SLACK_ACK_LIMIT_MS = 3000;
const REQUEST_TIMEOUT_MS = 10_000;
/** Longest wait for side effects (views.open, channel posts, the outbox) before a phase is reported as unfinished. */
export const DRAIN_LIMIT_MS = 60_000;

export interface LoadBenchOptions {
  /** Closed loop: requests per case (`/handoff`, Accept) and per app. */
  readonly requests?: number;
  /** Form submissions of each throughput run (and of the bare app's submission run). */
  readonly submissions?: number;
  /** Throughput runs; the median one is reported (default 3). */
  readonly throughputRuns?: number;
  readonly concurrency?: number;
  /** Rounds each closed-loop case is split into, alternating bot and bare app. */
  readonly rounds?: number;
  /** Open loop: requests per second and how long, for the bot and (shorter) for the bare app. */
  readonly openRate?: number;
  readonly openSeconds?: number;
  readonly bareOpenSeconds?: number;
  /** Spawns of `node dist/bin.js start` timed until they listen. */
  readonly startRuns?: number;
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

// ---- the code under test: dist/, and the children's bundle ---------------------------------------

/** `npm run build`: the bot under test is what `npm start` runs, never a stale dist/. */
export function buildDist(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Bundles load-child.ts into one ES module with esbuild. Its imports of src/ stay imports, of the compiled
 * dist/ files (so the bot process runs the built code, as `npm start` does, and nothing in it is the
 * bench's own but the IPC and sampling around it); packages stay imports from node_modules.
 */
export async function bundleChild(): Promise<string> {
  const { build } = await import('esbuild');
  const src = join(ROOT, 'src') + sep;
  const toDist = (file: string): string | null => {
    const base = join(ROOT, 'dist', relative(src, file).replace(/\.(ts|js|mjs)$/, ''));
    return [`${base}.js`, join(base, 'index.js')].find((f) => existsSync(f)) ?? null;
  };
  mkdirSync(dirname(CHILD_BUNDLE), { recursive: true });
  await build({
    entryPoints: [CHILD],
    outfile: CHILD_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    plugins: [
      {
        name: 'src-from-dist',
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, (args) => {
            const file = resolve(args.resolveDir, args.path);
            if (!file.startsWith(src)) return undefined;
            const built = toDist(file);
            if (!built) return { errors: [{ text: `${relative(ROOT, file)} has no compiled file in dist/ (did the build run?)` }] };
            return { path: `./${relative(dirname(CHILD_BUNDLE), built).split(sep).join('/')}`, external: true };
          });
        },
      },
    ],
  });
  return CHILD_BUNDLE;
}

/** This process's environment without the bot's own variables, plus `vars`. */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of BOT_VARS) delete env[name];
  return { ...env, ...vars };
}

// ---- child processes --------------------------------------------------------------------------

export class Child {
  private out = '';
  private seq = 0;
  private readonly pending = new Map<number, (data: unknown) => void>();
  readonly exited: Promise<void>;

  private constructor(
    readonly role: ChildRole,
    readonly proc: ChildProcess,
  ) {
    // The bot's log lines are read (as a log shipper would) and only the tail is kept, for errors.
    proc.stdout?.on('data', (d) => (this.out = (this.out + d).slice(-20_000)));
    proc.stderr?.on('data', (d) => (this.out = (this.out + d).slice(-20_000)));
    proc.on('message', (m: ChildMessage) => {
      if (m.kind !== 'reply') return;
      this.pending.get(m.id)?.(m.data);
      this.pending.delete(m.id);
    });
    this.exited = new Promise((done) => proc.once('exit', () => done()));
  }

  /** Starts `node <bundle> <role>` (added to `started` at once, for cleanup) and waits for it to say it listens. */
  static async start(script: string, role: ChildRole, env: Record<string, string>, started: Child[]): Promise<{ child: Child; port: number; apiUrl?: string }> {
    // LOAD_BENCH_PROFILE=<dir> writes a V8 CPU profile of the bot (open it in Chrome DevTools) for finding where the time goes.
    const profile = role === 'bot' && process.env.LOAD_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.LOAD_BENCH_PROFILE)}`] : [];
    const flags = role === 'bot' ? START_NODE_FLAGS : [];
    // execArgv is given, so no child inherits this process's TypeScript loader.
    const proc = fork(script, [role], { cwd: ROOT, execArgv: [...profile, ...flags], env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
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

// ---- start to listening: `node dist/bin.js start` as npm start runs it ---------------------------

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The RSS of a process (Linux /proc), in MB. */
function rssOf(pid: number): number | null {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

interface StartRun {
  /** From spawn until the port accepts a connection, and until GET /healthz answers 200 (ms). */
  readonly acceptMs: number;
  readonly healthyMs: number;
  readonly rssMb: number | null;
}

/**
 * Spawns `node <npm start's flags> dist/bin.js start` against the fake Slack `runs` times, polling every
 * 5 ms. The first run starts on a new database file (its migrations are part of the time), the others on
 * that file again, as a restart does. Each is stopped with SIGTERM before the next.
 */
async function measureStart(runs: number, env: Record<string, string>): Promise<StartRun[]> {
  const out: StartRun[] = [];
  for (let r = 0; r < runs; r += 1) {
    const port = await freePort();
    let output = '';
    const t0 = performance.now();
    const proc = spawn(process.execPath, [...START_NODE_FLAGS, BIN, 'start'], { cwd: ROOT, env: childEnv({ ...env, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d) => (output = (output + d).slice(-20_000)));
    proc.stderr?.on('data', (d) => (output = (output + d).slice(-20_000)));
    const exited = new Promise<void>((done) => proc.once('exit', () => done()));
    try {
      let acceptMs = Number.NaN;
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`node dist/bin.js start exited at start (code ${proc.exitCode}):\n${output}`);
        if (performance.now() - t0 > 30_000) throw new Error(`node dist/bin.js start did not answer /healthz within 30 s:\n${output}`);
        if (Number.isNaN(acceptMs)) {
          if (await accepting(port)) acceptMs = performance.now() - t0;
        } else if (await healthy(port)) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      out.push({ acceptMs, healthyMs: performance.now() - t0, rssMb: rssOf(proc.pid ?? -1) });
    } finally {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
  return out;
}

// ---- requests as Slack sends them -------------------------------------------------------------

export interface Sample {
  /** performance.now() when it was sent. */
  readonly at: number;
  readonly ms: number;
  readonly status: number;
  readonly body: string;
}

// The bodies Slack sends, built by the same simulator the tests and the sandbox use (signed per request in send());
// once the fake Slack runs, their response_urls point at it.
let bodies = new SlackClientSim({ url: 'unused', signingSecret: SIGNING_SECRET });

/** Points the bodies' response_urls at the fake Slack at `apiUrl` (another bench that starts its own fake Slack). */
export function useFakeSlack(apiUrl: string | undefined): void {
  bodies = new SlackClientSim({ url: 'unused', signingSecret: SIGNING_SECRET, responseUrls: apiUrl?.replace(/\/api\/$/, '/hooks') });
}

/** `/handoff <text>` as Slack posts a slash command. */
export const commandBody = (userId: string, text: string) => bodies.slashCommandBody({ userId, text, command: COMMAND });

/** The order-to-ops form submitted, with the same values as the tests' orderValues. */
export const submissionBody = (userId: string, orderId: string, viewId: string, shipBy: string) =>
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
export function send(agent: Agent, port: number, body: string): Promise<Sample> {
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
export async function pool(count: number, concurrency: number, fire: (i: number) => Promise<Sample>): Promise<Sample[]> {
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
export const newAgent = (concurrency: number) => new Agent({ keepAlive: true, maxSockets: concurrency });

export async function waitUntil(check: () => Promise<boolean>, limitMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function outboxPending(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { outbox: { pending: number } }).outbox.pending;
}

// ---- statistics --------------------------------------------------------------------------------

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly over3s: number;
  /** Answered with something other than a plain 200 ack, or not at all. */
  readonly bad: number;
  readonly firstBad?: string;
}

export function latencyOf(samples: readonly Sample[], ok: (s: Sample) => boolean): Latency {
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

/** The closed-loop rows of one case, the bare app's figures beside the bot's. */
function latencyRows(name: string, bot: Latency, bare: Latency): LoadRow[] {
  const ratio = bot.p50 / bare.p50;
  return [
    { name: `${name} ack p50`, value: `${ms(bot.p50)} (bare Bolt ${ms(bare.p50)}, ${ratio.toFixed(2)}×)`, target: '≤ 2× bare p50', verdict: verdict(ratio <= 2) },
    { name: `${name} ack p99`, value: `${ms(bot.p99)} (bare Bolt ${ms(bare.p99)})`, target: '< 500 ms', verdict: verdict(bot.p99 < 500) },
    {
      name: `${name} ack max`,
      value: `${ms(bot.max)} (bare Bolt ${ms(bare.max)}); ${fmtInt(bot.over3s)} of ${fmtInt(bot.n)} over 3 s`,
      target: 'none over 3 s',
      verdict: verdict(bot.over3s === 0 && bot.bad === 0),
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
const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));

/**
 * An open loop: `count` requests at `rate` per second, each sent on its schedule whatever the answers
 * before it do (as Slack sends people's clicks), so a slow answer cannot hold back the load. `next(i)`
 * builds the i-th body just before it goes out.
 */
async function openLoop(port: number, rate: number, count: number, next: (i: number) => string): Promise<{ samples: Sample[]; maxLagMs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const period = 1000 / rate;
  const inflight: Array<Promise<Sample>> = [];
  let maxLagMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i += 1) {
    const due = t0 + i * period;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    inflight.push(send(agent, port, next(i)));
  }
  const samples = await Promise.all(inflight);
  agent.destroy();
  return { samples, maxLagMs };
}

/** The open loop's mix: a `/handoff order-to-ops`, a form submission and an Accept click, in turn. */
type OpenKind = '/handoff' | 'submit' | 'Accept';
const OPEN_MIX: readonly OpenKind[] = ['/handoff', 'submit', 'Accept'];

export async function runLoadBench(opts: LoadBenchOptions = {}): Promise<LoadBenchResult> {
  const log = opts.log ?? (() => undefined);
  const requests = opts.requests ?? 1000;
  const submissions = opts.submissions ?? 1500;
  const throughputRuns = Math.max(1, opts.throughputRuns ?? 3);
  const concurrency = opts.concurrency ?? 50;
  const rounds = opts.rounds ?? 4;
  const perRound = Math.ceil(requests / rounds);
  const openRate = opts.openRate ?? 20;
  const openCount = Math.round(openRate * (opts.openSeconds ?? 30));
  const bareOpenCount = Math.round(openRate * (opts.bareOpenSeconds ?? 10));
  const openAccepts = Math.ceil(openCount / OPEN_MIX.length);
  const rows: LoadRow[] = [];
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'handoff-load-bench-'));
  const children: Child[] = [];
  const shipBy = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  let orderSeq = 10_000;
  let viewSeq = 0;
  const nextSubmission = (i: number) => submissionBody(SALES[i % SALES.length], `SO-${++orderSeq}`, `VBENCH${String(++viewSeq).padStart(7, '0')}`, shipBy);
  const isAck = (s: Sample) => s.status === 200 && s.body === '';

  try {
    // --- The code under test, and the processes ------------------------------------------------------
    log('npm run build (tsc → dist/), then esbuild bundles test/bench/load-child.ts with src/ imports pointing at dist/');
    buildDist();
    const script = await bundleChild();
    const fake = await Child.start(script, 'fake', { BENCH_CHANNEL: OPS_CHANNEL }, children);
    bodies = new SlackClientSim({ url: 'unused', signingSecret: SIGNING_SECRET, responseUrls: fake.apiUrl?.replace(/\/api\/$/, '/hooks') });
    const slackEnv = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl ?? '' };

    // Start to listening first, while nothing of the bench but the idle fake Slack runs.
    const starts = await measureStart(opts.startRuns ?? 3, { ...slackEnv, DATABASE_URL: `file:${join(dir, 'start.db')}`, HANDOFF_CONFIG: FIXTURE });
    log(`node dist/bin.js start → /healthz 200: ${starts.map((s) => ms(s.healthyMs)).join(', ')} (the first on a new database)`);

    const [bot, bare] = await Promise.all([
      Child.start(script, 'bot', { ...slackEnv, DATABASE_URL: `file:${join(dir, 'load.db')}`, HANDOFF_CONFIG: FIXTURE }, children),
      Child.start(script, 'bare', slackEnv, children),
    ]);
    const port = (t: Target) => (t === 'bot' ? bot.port : bare.port);
    const statsOf = (t: Target) => (t === 'bot' ? bot.child : bare.child).query<BotStats>('stats');
    const fakeStats = () => fake.child.query<FakeStats>('stats');
    const botStats = () => statsOf('bot');
    const postCount = () => fake.child.query<number>('postCount');
    const views = async () => (await fakeStats()).calls['views.open']?.n ?? 0;
    const drained = () => waitUntil(async () => (await outboxPending(bot.port)) === 0, DRAIN_LIMIT_MS, 100);
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

    // --- Warm-up: JIT, SQLite pages, first connections, every path once; not measured ---------------------
    {
      const warm = 200;
      for (const t of ['bare', 'bot'] as const) {
        const agent = newAgent(concurrency);
        await pool(warm, concurrency, (i) => send(agent, port(t), commandBody(SALES[i % 2], 'order-to-ops')));
        const submitted = await pool(100, concurrency, (i) => send(agent, port(t), nextSubmission(i)));
        agent.destroy();
        const refused = submitted.filter((s) => !isAck(s));
        if (refused.length > 0) throw new Error(`the ${t} app refused ${refused.length} of 100 warm-up submissions, e.g. HTTP ${refused[0].status} ${refused[0].body.slice(0, 300)}`);
      }
      await waitUntil(async () => (await postCount()) >= 100 && (await views()) >= warm, DRAIN_LIMIT_MS);
      const warmPosts = await fake.child.query<PostedHandoff[]>('posts');
      for (const t of ['bare', 'bot'] as const) {
        const agent = newAgent(concurrency);
        await pool(50, concurrency, (i) => send(agent, port(t), acceptBody(OPS[i % OPS.length], warmPosts[i % warmPosts.length])));
        agent.destroy();
      }
      await drained();
    }
    // What the idle bot spends (prom-client's event-loop monitor, timers): part of every CPU figure below.
    await Promise.all([bot.child.query('resetLoop', 0), bare.child.query('resetLoop', 0)]);
    const idle0 = await Promise.all([botStats(), statsOf('bare')]);
    await sleep(2000);
    const idle1 = await Promise.all([botStats(), statsOf('bare')]);
    const idleMsPerSecond = (idle1[0].cpuMs - idle0[0].cpuMs) / 2;
    const bareIdleMsPerSecond = (idle1[1].cpuMs - idle0[1].cpuMs) / 2;

    // --- Throughput (closed loop, 50 in flight): submit → stored → posted -----------------------------------
    const throughputRun = async () => {
      const agent = await connected('bot');
      const before = await postCount();
      await bot.child.query('resetLoop', 1);
      const cpu0 = { bot: (await botStats()).cpuMs, fake: (await fakeStats()).cpuMs };
      const t0 = Date.now();
      const samples = await pool(submissions, concurrency, (i) => send(agent, bot.port, nextSubmission(i)));
      const ackMs = Date.now() - t0;
      agent.destroy();
      const { loop } = await botStats();
      const complete = await waitUntil(async () => (await postCount()) >= before + submissions, DRAIN_LIMIT_MS, 20);
      const postTimes = await fake.child.query<number[]>('postTimes', before);
      const fakeCpu = (await fakeStats()).cpuMs - cpu0.fake;
      // CPU per handoff counts everything a submission sets off, so it is read once the outbox is empty.
      if (!(await drained())) notes.push(`the outbox still had entries ${DRAIN_LIMIT_MS / 1000} s after a throughput run`);
      const botCpu = (await botStats()).cpuMs - cpu0.bot;
      const endAt = complete ? postTimes[submissions - 1] : Date.now();
      const wallMs = endAt - t0;
      // Posts still to go when the last ack came back, and how fast the outbox sent them after that.
      const postedByAcks = postTimes.filter((t) => t <= t0 + ackMs).length;
      const posted = Math.min(postTimes.length, submissions);
      return {
        samples,
        posted,
        complete,
        wallMs,
        ackMs,
        afterAcks: { posts: posted - postedByAcks, perSecond: rate(posted - postedByAcks, endAt - (t0 + ackMs)) },
        cpuPerHandoff: botCpu / submissions,
        botCpu: botCpu / wallMs,
        fakeCpu: fakeCpu / wallMs,
        loop,
      };
    };
    // The machine this runs on may be shared: several runs, and the median one is reported.
    const runs: Array<Awaited<ReturnType<typeof throughputRun>>> = [];
    for (let r = 0; r < throughputRuns; r += 1) runs.push(await throughputRun());
    const rateOf = (run: (typeof runs)[number]) => (run.complete ? rate(run.posted, run.wallMs) : 0);
    const throughput = [...runs].sort((a, b) => rateOf(a) - rateOf(b))[Math.floor(runs.length / 2)];
    const submitLatency = latencyOf(throughput.samples, isAck);
    log(`throughput: ${runs.map((run) => `${rateOf(run).toFixed(0)}/s`).join(', ')}; the median run: ${fmtInt(throughput.posted)} posted in ${fmtMs(throughput.wallMs)} ms, acks done after ${fmtMs(throughput.ackMs)} ms; bot peak RSS so far ${mb((await botStats()).peakRssMb)}`);

    // The bare app under the same submissions: its ack latency and CPU per request.
    const bareSubmit = await (async () => {
      const agent = await connected('bare');
      const cpu0 = (await statsOf('bare')).cpuMs;
      const samples = await pool(submissions, concurrency, (i) => send(agent, bare.port, nextSubmission(i)));
      agent.destroy();
      return { latency: latencyOf(samples, isAck), cpuPerRequest: ((await statsOf('bare')).cpuMs - cpu0) / submissions };
    })();

    // Open handoffs to accept: the newest posts, every one from a throughput run, none accepted yet.
    const needed = openAccepts + perRound * rounds;
    const targets = await fake.child.query<PostedHandoff[]>('posts', Math.max(0, (await postCount()) - needed));
    if (targets.length < needed) notes.push(`only ${targets.length} posted handoffs to accept (wanted ${needed})`);
    const openTargets = targets.slice(0, openAccepts);
    const closedTargets = targets.slice(openAccepts);

    // --- Open loop: 20 requests/s, mixed, for 30 s (the bare app: 10 s) --------------------------------------
    const openSent = { modal: new Map<string, number>(), update: new Map<string, number>() };
    const openBody = (t: Target) => (i: number) => {
      const kind = OPEN_MIX[i % OPEN_MIX.length];
      const n = Math.floor(i / OPEN_MIX.length);
      if (kind === 'submit') return nextSubmission(n);
      if (kind === 'Accept') {
        const target = openTargets[n % openTargets.length];
        if (t === 'bot') openSent.update.set(target.ts, Date.now());
        return acceptBody(OPS[n % OPS.length], target);
      }
      const body = commandBody(SALES[n % 2], 'order-to-ops');
      if (t === 'bot') openSent.modal.set(new URLSearchParams(body).get('trigger_id') ?? '', Date.now());
      return body;
    };
    const open = await (async () => {
      const views0 = await views();
      await bot.child.query('resetLoop', 0);
      const cpu0 = (await botStats()).cpuMs;
      const run = await openLoop(bot.port, openRate, openCount, openBody('bot'));
      const { loop } = await botStats();
      const commands = Math.ceil(openCount / OPEN_MIX.length);
      if (!(await waitUntil(async () => (await views()) >= views0 + commands, DRAIN_LIMIT_MS))) notes.push('open loop: not every modal opened');
      if (!(await drained())) notes.push(`open loop: the outbox still had entries ${DRAIN_LIMIT_MS / 1000} s after the last request`);
      const cpu = (await botStats()).cpuMs - cpu0;
      return { ...run, loop, cpuPerRequest: cpu / openCount, coreShare: cpu / ((openCount / openRate) * 1000) };
    })();
    const bareOpenCpu0 = (await statsOf('bare')).cpuMs;
    const bareOpen = await openLoop(bare.port, openRate, bareOpenCount, openBody('bare'));
    const bareOpenCpu = ((await statsOf('bare')).cpuMs - bareOpenCpu0) / bareOpenCount;
    const openAck = latencyOf(open.samples, isAck);
    const bareOpenAck = latencyOf(bareOpen.samples, isAck);
    const openByKind = (kind: OpenKind) => latencyOf(open.samples.filter((_s, i) => OPEN_MIX[i % OPEN_MIX.length] === kind), isAck);
    log(`open loop ${openRate}/s: bot ack p50 ${ms(openAck.p50)} p99 ${ms(openAck.p99)}; bare p50 ${ms(bareOpenAck.p50)} p99 ${ms(bareOpenAck.p99)}; bot CPU ${ms(open.cpuPerRequest)} per request`);

    /**
     * One closed-loop case: `rounds` rounds, each sending `perRound` requests to the bare app and to the
     * bot (alternating who goes first), each on freshly opened connections. `settle()`, called before the
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
          const agent = await connected(t);
          await (t === 'bot' ? bot.child : bare.child).query('resetLoop', 1);
          const settled = t === 'bot' ? await settle() : null;
          const cpu0 = (await statsOf(t)).cpuMs;
          const t0 = performance.now();
          samples[t].push(...(await pool(perRound, concurrency, (i) => send(agent, port(t), body(r, i, t)))));
          agent.destroy();
          if (settled) {
            const { loop } = await botStats();
            busy.push(loop.busy);
            maxDelayMs = Math.max(maxDelayMs, loop.maxDelayMs ?? 0);
            if (!(await settled())) notes.push(`${what}, round ${r + 1}: the bot's side effects were not done after ${DRAIN_LIMIT_MS / 1000} s`);
            settleMs += performance.now() - t0;
          }
          cpu[t] += (await statsOf(t)).cpuMs - cpu0;
        }
      }
      const bot_ = latencyOf(samples.bot, isAck);
      const bare_ = latencyOf(samples.bare, isAck);
      log(`${what}: bot p50 ${ms(bot_.p50)} p99 ${ms(bot_.p99)} max ${ms(bot_.max)}; bare p50 ${ms(bare_.p50)} p99 ${ms(bare_.p99)} max ${ms(bare_.max)}; bot peak RSS so far ${mb((await botStats()).peakRssMb)}`);
      return {
        bot: bot_,
        bare: bare_,
        cpuPerRequest: { bot: cpu.bot / samples.bot.length, bare: cpu.bare / samples.bare.length },
        loop: { busy: busy.reduce((a, b) => a + b, 0) / busy.length, maxDelayMs },
        settledPerSecond: rate(samples.bot.length, settleMs),
      };
    };

    // --- Closed loop, 50 in flight: /handoff order-to-ops ------------------------------------------------------
    const closedSent = { modal: new Map<string, number>(), update: new Map<string, number>() };
    const commands = await latencyCase(
      (_r, i, t) => {
        const body = commandBody(SALES[i % 2], 'order-to-ops');
        if (t === 'bot') closedSent.modal.set(new URLSearchParams(body).get('trigger_id') ?? '', Date.now());
        return body;
      },
      // The modal opens after the ack: wait for the bot's views.open calls, then for anything it queued.
      async () => {
        const before = await views();
        return async () => (await waitUntil(async () => (await views()) >= before + perRound, DRAIN_LIMIT_MS)) && drained();
      },
      '/handoff',
    );

    // --- Closed loop: Accept, every click of the bot on a different open handoff ------------------------------
    const updates0 = (await fakeStats()).updates;
    const accepts = await latencyCase(
      (r, i, t) => {
        const target = closedTargets[(r * perRound + i) % closedTargets.length];
        if (t === 'bot') closedSent.update.set(target.ts, Date.now());
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
    const bareMem = await statsOf('bare');

    // What the person waits for: the modal open after /handoff, the post showing the owner after Accept.
    const seen = await fake.child.query<FakeSeen>('seen');
    const waited = (sent: Map<string, number>, at: (key: string, sent: number) => number | undefined) =>
      [...sent]
        .flatMap(([key, t]) => {
          const done = at(key, t);
          return done === undefined ? [] : [done - t];
        })
        .sort((a, b) => a - b);
    const modalAt = (trigger: string) => seen.modalOpened[trigger];
    const updateAt = (ts: string, sent: number) => seen.postUpdated[ts]?.find((t) => t >= sent);
    const openModal = waited(openSent.modal, modalAt);
    const openUpdate = waited(openSent.update, updateAt);
    const waitText = (w: number[], of: number) => `p50 ${ms(percentile(w, 50))}, p99 ${ms(percentile(w, 99))}, max ${ms(w.at(-1) ?? Number.NaN)} (${fmtInt(w.length)} of ${fmtInt(of)} seen)`;

    // --- Rows ----------------------------------------------------------------------------------------------------
    const cpuRow = (name: string, bot_: number, bare_: number, target: number): LoadRow => ({
      name: `CPU per request: ${name}`,
      value: `bot ${ms(bot_)} (bare Bolt ${ms(bare_)})`,
      target: `≤ ${target.toFixed(1)} ms`,
      verdict: verdict(bot_ <= target),
    });
    rows.push(cpuRow('/handoff order-to-ops → modal open', commands.cpuPerRequest.bot, commands.cpuPerRequest.bare, 1));
    rows.push(cpuRow('Accept → post, thread, DM sent', accepts.cpuPerRequest.bot, accepts.cpuPerRequest.bare, 2));
    rows.push(cpuRow('submit → stored → posted', throughput.cpuPerHandoff, bareSubmit.cpuPerRequest, 1.5));
    rows.push({
      name: `  open loop mix at ${openRate}/s`,
      value: `bot ${ms(open.cpuPerRequest)} per request (bare Bolt ${ms(bareOpenCpu)}), ${(open.coreShare * 100).toFixed(1)}% of a core; idle: bot ${ms(idleMsPerSecond)} per second (bare Bolt ${ms(bareIdleMsPerSecond)})`,
      target: '-',
      verdict: '-',
    });

    const openName = `open loop ${openRate}/s × ${fmtInt(openCount / openRate)} s (${fmtInt(openCount)} mixed)`;
    rows.push({
      name: `${openName} ack p50 / p99`,
      value: `${ms(openAck.p50)} / ${ms(openAck.p99)}, max ${ms(openAck.max)} (bare Bolt ${ms(bareOpenAck.p50)} / ${ms(bareOpenAck.p99)}, ${fmtInt(bareOpenAck.n)} requests)`,
      target: 'p99 < 50 ms',
      verdict: verdict(openAck.p99 < 50 && openAck.bad === 0),
    });
    rows.push({
      name: '  ack p99 by kind',
      value: OPEN_MIX.map((k) => `${k} ${ms(openByKind(k).p99)}`).join(', '),
      target: '-',
      verdict: '-',
    });
    rows.push({ name: '  /handoff sent → views.open seen', value: waitText(openModal, openSent.modal.size), target: 'p99 < 150 ms', verdict: verdict(percentile(openModal, 99) < 150 && openModal.length === openSent.modal.size) });
    rows.push({ name: '  Accept sent → chat.update seen', value: waitText(openUpdate, openSent.update.size), target: 'p99 < 300 ms', verdict: verdict(percentile(openUpdate, 99) < 300 && openUpdate.length === openSent.update.size) });

    rows.push(...latencyRows(`closed loop ${concurrency} in flight: /handoff (${fmtInt(commands.bot.n)} per app)`, commands.bot, commands.bare));
    rows.push(...latencyRows(`closed loop ${concurrency} in flight: Accept (${fmtInt(accepts.bot.n)} per app)`, accepts.bot, accepts.bare));
    rows.push(...latencyRows(`closed loop ${concurrency} in flight: submit (${fmtInt(submitLatency.n)} per app)`, submitLatency, bareSubmit.latency));
    rows.push({ name: '  /handoff → views.open seen (closed loop)', value: waitText(waited(closedSent.modal, modalAt), closedSent.modal.size), target: '-', verdict: '-' });
    rows.push({ name: '  Accept → chat.update seen (closed loop)', value: waitText(waited(closedSent.update, updateAt), closedSent.update.size), target: '-', verdict: '-' });
    rows.push({
      name: `  ${concurrency} new connections at once, slowest ack`,
      value: `${ms(Math.max(...bursts.bot))} (bare Bolt ${ms(Math.max(...bursts.bare))}); median of ${bursts.bot.length} bursts ${ms(median(bursts.bot))}`,
      target: '< 3,000 ms',
      verdict: verdict(Math.max(...bursts.bot) < SLACK_ACK_LIMIT_MS),
    });

    const e2e = rate(throughput.posted, throughput.wallMs);
    rows.push({
      name: `throughput submit → stored → posted (${fmtInt(submissions)} forms, median of ${runs.length} runs)`,
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
      name: '  CPU during the run',
      value: `bot ${(throughput.botCpu * 100).toFixed(0)}% of a core; fake Slack ${(throughput.fakeCpu * 100).toFixed(0)}%`,
      target: '-',
      verdict: '-',
    });
    rows.push({ name: 'Accept: click → messages sent (closed loop)', value: `${accepts.settledPerSecond.toFixed(0)}/s`, target: '-', verdict: '-' });
    const loopText = (l: { busy: number; maxDelayMs: number | null }) => `${(l.busy * 100).toFixed(0)}%${l.maxDelayMs === null ? '' : ` (${ms(l.maxDelayMs)})`}`;
    rows.push({
      name: 'bot event loop busy (longest delay)',
      value: `open loop ${loopText(open.loop)}; /handoff ${loopText(commands.loop)}; submit ${loopText(throughput.loop)}; Accept ${loopText(accepts.loop)}`,
      target: '-',
      verdict: '-',
    });

    rows.push({ name: 'peak RSS of the bot process (VmHWM)', value: `${mb(mem.peakRssMb)} (bare Bolt ${mb(bareMem.peakRssMb)})`, target: '< 120 MB', verdict: verdict(mem.peakRssMb < 120) });
    rows.push({
      name: '  at start / at the end',
      value: `start: RSS ${mb(atStart.rssMb)}, heap ${mb(atStart.heapUsedMb)}; end: RSS ${mb(mem.rssMb)}, heap ${mb(mem.heapUsedMb)} used of ${mb(mem.heapTotalMb)}, external ${mb(mem.externalMb)}`,
      target: '-',
      verdict: '-',
    });
    const startMedian = median(starts.map((s) => s.healthyMs));
    rows.push({
      name: `start to listening: node dist/bin.js start (median of ${starts.length})`,
      value: `/healthz 200 after ${ms(startMedian)} (port accepting after ${ms(median(starts.map((s) => s.acceptMs)))}); runs ${starts.map((s) => fmtMs(s.healthyMs)).join(', ')} ms, the first on a new database`,
      target: '< 1 s',
      verdict: verdict(startMedian < 1000),
    });
    rows.push({ name: '  its RSS when listening', value: starts.map((s) => (s.rssMb === null ? 'n/a' : mb(s.rssMb))).join(', '), target: '-', verdict: '-' });

    const cases = [
      ['open loop (bot)', openAck],
      ['open loop (bare)', bareOpenAck],
      ['/handoff (bot)', commands.bot],
      ['/handoff (bare)', commands.bare],
      ['Accept (bot)', accepts.bot],
      ['Accept (bare)', accepts.bare],
      ['submit (bot)', submitLatency],
      ['submit (bare)', bareSubmit.latency],
    ] as const;
    for (const [what, l] of cases) if (l.bad > 0) notes.push(`${what}: ${l.bad} requests not answered with an empty 200 ack, e.g. ${l.firstBad}`);
    if (final.failedCalls > 0) notes.push(`the fake Slack answered ${final.failedCalls} Web API calls with an error`);
    if (open.maxLagMs > 20) notes.push(`open loop: a request went out up to ${ms(open.maxLagMs)} late (the load generator was busy)`);
    const perCall = Object.entries(final.calls)
      .sort(([, a], [, b]) => b.n - a.n)
      .map(([method, c]) => `${method} ${fmtInt(c.n)} (${(c.ms / c.n).toFixed(2)} ms)`)
      .join(', ');
    const loader = [...mem.execArgv, mem.nodeOptions].filter((a) => /tsx|ts-node|loader|--import|--require/.test(a));
    if (loader.length > 0) notes.push(`the bot process carries a loader: ${loader.join(' ')}`);
    notes.unshift(
      `bot: dist/handoff-app.js (built by this run) in its own process, node ${mem.execArgv.join(' ') || '(no flags)'} (the flags of npm start; no heap flags), createHandoffApp as main.ts calls it but with rateLimits NO_RATE_LIMITS (Slack pacing of 1 msg/s per channel and 10/s per workspace off) and schedule: false; a fresh SQLite file; log level info (the default), its lines read from a pipe`,
      `load: this process; closed loop: ${concurrency} requests in flight over keep-alive HTTP to 127.0.0.1, each case in ${rounds} rounds alternating bot and bare Bolt app, each round on ${concurrency} connections opened just before; open loop: ${openRate}/s in the order ${OPEN_MIX.join(', ')}; ${fmtInt(cases.reduce((n, [, l]) => n + l.bad, 0))} requests failed`,
      `CPU per request: the app process's process.cpuUsage() (user + system) from the first request of a phase until its side effects are done (modals open, outbox empty), ÷ requests; the bot's includes its idle cost (${ms(idleMsPerSecond)}/s) and the GET /healthz polls that watch the outbox`,
      `fake Slack (a third process), calls and mean time in the fake: ${perCall}`,
    );
    return { rows, notes };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  heading('Load: the bot against a bare Bolt app');
  const started = performance.now();
  const n = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const result = await runLoadBench({
    log: (line) => console.log(line),
    requests: n('LOAD_BENCH_REQUESTS'),
    submissions: n('LOAD_BENCH_SUBMISSIONS'),
    throughputRuns: n('LOAD_BENCH_THROUGHPUT_RUNS'),
    openSeconds: n('LOAD_BENCH_OPEN_SECONDS'),
  });
  console.log(`\n${loadResultsTable(result.rows)}\n`);
  for (const line of result.notes) console.log(`note: ${line}`);
  console.log(`load bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
