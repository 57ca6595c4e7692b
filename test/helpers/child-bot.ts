/**
 * The bot as a real child process (`node dist/bin.js start`), for tests of what only a process can
 * show: being killed, being stopped by a signal, refusing to start. Plus a tap in front of the fake
 * Slack that sees (and can hold) the bot's Web API calls, so a test can act while a call is in flight.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/bin.js');

/** Variables of the bot that must come from the test, never from the shell running it. */
const BOT_VARS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL', 'DATABASE_URL', 'HANDOFF_CONFIG', 'PORT', 'LOG_LEVEL'];

/** This process's environment without the bot's own variables, plus `vars` (undefined leaves one out). */
export function childEnv(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of BOT_VARS) delete env[name];
  for (const [name, value] of Object.entries(vars)) if (value !== undefined) env[name] = value;
  return env;
}

/** A port nobody listens on right now (the bot cannot report a port it picked itself). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** True when something accepts TCP connections on the port. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Polls `check` until it returns a truthy value; fails with `what` (and `detail()`) after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  opts: { what: string; timeoutMs?: number; intervalMs?: number; detail?: () => string },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs ?? 20_000} ms waiting for ${opts.what}${opts.detail ? `\n${opts.detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** ms since epoch */
  readonly at: number;
}

export interface Health {
  readonly status: string;
  readonly database: string;
  readonly outbox: { readonly pending: number; readonly oldestAgeSeconds: number | null };
}

/** `node dist/bin.js <args>` with its output collected; `exited` resolves once it has gone (and was reaped). */
export class ChildBot {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  private out = '';
  private exit: Exit | null = null;

  constructor(args: string[], env: NodeJS.ProcessEnv, readonly port?: number) {
    this.child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d) => (this.out += d));
    this.child.stderr?.on('data', (d) => (this.out += d));
    this.exited = new Promise((done) => {
      // 'close' comes after 'exit' and after the output pipes are drained.
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        done(this.exit);
      });
    });
  }

  /** Starts the bot on a free port and waits until `GET /healthz` answers 200. */
  static async start(env: Record<string, string | undefined>, opts: { timeoutMs?: number } = {}): Promise<ChildBot> {
    const port = await freePort();
    const bot = new ChildBot(['start'], childEnv({ ...env, PORT: String(port) }), port);
    await waitUntil(async () => bot.exit ?? (await bot.health().catch(() => null)), {
      what: `the bot to answer GET :${port}/healthz`,
      timeoutMs: opts.timeoutMs ?? 30_000,
      detail: () => bot.output,
    });
    if (bot.exit) throw new Error(`the bot exited at start (code ${bot.exit.code}, signal ${bot.exit.signal}):\n${bot.output}`);
    return bot;
  }

  /** Runs a command that is meant to end by itself; kills it after `timeoutMs`. */
  static async run(args: string[], env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<Exit & { out: string }> {
    const bot = new ChildBot(args, childEnv(env));
    const timer = setTimeout(() => bot.child.kill('SIGKILL'), timeoutMs);
    const exit = await bot.exited;
    clearTimeout(timer);
    return { ...exit, out: bot.output };
  }

  get output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.exit === null;
  }

  get eventsUrl(): string {
    return `http://127.0.0.1:${this.port}/slack/events`;
  }

  /** The parsed `GET /healthz` body; throws when it does not answer 200. */
  async health(): Promise<Health> {
    const res = await fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) throw new Error(`healthz answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Health;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** For cleanup: SIGKILL unless it has gone already, and wait until it has. */
  async dispose(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}

interface TapCall {
  readonly method: string;
  readonly body: string;
  readonly arrivedAt: number;
  /** Set once the fake answered; the bot may have gone by then (the answer is then dropped). */
  answeredAt?: number;
  /** True when the bot's connection was gone when the answer came back. */
  orphaned?: boolean;
  /** True when the tap dropped it (drop()): it never reached the fake. */
  dropped?: boolean;
}

/**
 * A pass-through proxy for the bot's Web API calls (SLACK_API_URL → here → FakeSlack). It records
 * when each call arrived and can hold calls of a method before they reach the fake: a held call
 * is "in flight" from the bot's point of view. Released calls still reach the fake even when the
 * bot has died meanwhile, as with real Slack, where a call can take effect after its caller is gone.
 */
export class SlackTap {
  readonly calls: TapCall[] = [];
  /** Per held method: calls still to let through, and the held calls (each resumed with true to forward it, false to drop it). */
  private readonly holds = new Map<string, { pass: number; waiting: Array<{ call: TapCall; go: (forward: boolean) => void }> }>();

  private constructor(
    private readonly server: Server,
    private readonly target: string,
  ) {}

  static async start(targetApiUrl: string): Promise<SlackTap> {
    const server = createServer();
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done());
    });
    const tap = new SlackTap(server, targetApiUrl.replace(/\/$/, ''));
    server.on('request', (req, res) => {
      tap.forward(req, res).catch((error) => {
        if (!res.headersSent && !res.destroyed) res.writeHead(502).end(String(error));
      });
    });
    return tap;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  /** Holds calls of `method` from now on, after letting the next `pass` through. */
  hold(method: string, pass = 0): void {
    this.holds.set(method, { pass, waiting: [] });
  }

  /** Lets held calls of `method` go on and stops holding. */
  release(method: string): void {
    const hold = this.holds.get(method);
    this.holds.delete(method);
    for (const { go } of hold?.waiting ?? []) go(true);
  }

  /** Lets the first `count` held calls of `method` go on (oldest first), and keeps holding the rest and later ones. */
  releaseFirst(method: string, count: number): void {
    const hold = this.holds.get(method);
    for (const { go } of hold?.waiting.splice(0, count) ?? []) go(true);
  }

  /**
   * Stops holding `method` and throws its held calls away: they never reach the fake, like requests
   * a killed process had not yet got out. A caller still there gets a 503.
   */
  drop(method: string): void {
    const hold = this.holds.get(method);
    this.holds.delete(method);
    for (const { go } of hold?.waiting ?? []) go(false);
  }

  /** The bodies of the calls of `method` held right now, oldest first. */
  heldBodies(method: string): string[] {
    return (this.holds.get(method)?.waiting ?? []).map(({ call }) => call.body);
  }

  releaseAll(): void {
    for (const method of [...this.holds.keys()]) this.release(method);
  }

  heldCount(method: string): number {
    return this.holds.get(method)?.waiting.length ?? 0;
  }

  /** Calls that arrived and have not been answered by the fake yet (held ones included). */
  unanswered(): TapCall[] {
    return this.calls.filter((c) => c.answeredAt === undefined);
  }

  callsTo(method: string): TapCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async stop(): Promise<void> {
    this.releaseAll();
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    this.server.closeAllConnections();
    await closed;
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const call: TapCall = { method: path.replace(/^\/api\//, '').replace(/\?.*$/, ''), body, arrivedAt: Date.now() };
    this.calls.push(call);
    const hold = this.holds.get(call.method);
    if (hold) {
      if (hold.pass > 0) hold.pass -= 1;
      else if (!(await new Promise<boolean>((go) => hold.waiting.push({ call, go })))) {
        call.dropped = true;
        call.answeredAt = Date.now();
        call.orphaned = res.destroyed || req.socket.destroyed;
        if (!call.orphaned) res.writeHead(503).end();
        return;
      }
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'authorization', 'user-agent']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(`${this.target}${path.replace(/^\/api/, '')}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
    const text = await answer.text();
    call.answeredAt = Date.now();
    call.orphaned = res.destroyed || req.socket.destroyed;
    if (call.orphaned) return;
    const out: Record<string, string> = {};
    for (const name of ['content-type', 'retry-after']) {
      const value = answer.headers.get(name);
      if (value) out[name] = value;
    }
    res.writeHead(answer.status, out).end(text);
  }
}
