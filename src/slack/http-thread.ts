import type { IncomingHttpHeaders } from 'node:http';
import type { Worker } from 'node:worker_threads';
import type { Logger } from '@slack/bolt';
import type { Answer } from './http-front.mjs';
import type { RequestHandler } from './http-server';
import { startWorkerThread, WORKER_RESTARTS } from './worker-thread';
import type { RequestLoad } from '../services/health';

/** What http-worker.mjs sends. */
type FromHttpThread =
  | { kind: 'listening'; port: number }
  | { kind: 'failed'; message: string; code?: string }
  | { kind: 'log'; level: 'warn' | 'error'; message: string }
  /** A checked request to /slack/events; id 0 when it was answered already. */
  | { kind: 'slack'; id: number; raw: string; headers: IncomingHttpHeaders }
  | { kind: 'request'; id: number; method: string; path: string; headers: IncomingHttpHeaders; body: Uint8Array }
  | { kind: 'synced'; id: number }
  | { kind: 'closed' };
type ToHttpThread = { kind: 'answer'; id: number; answer: Answer } | { kind: 'sync'; id: number } | { kind: 'ackFirst'; on: boolean } | { kind: 'close' };

/**
 * When the app falls behind, the thread stops acknowledging first: requests then wait for the app's own
 * ack, so Slack's retries and the people clicking feel the load instead of an ever longer queue (and a
 * command's trigger_id, which lives 3 s, still opens its modal).
 */
export interface HttpThreadLimits {
  /** Acknowledged requests not yet handled, at most (default 1,000). */
  readonly unfinished?: number;
  /** How long the oldest of them may have waited to start, in ms (default 1,500). */
  readonly behindMs?: number;
}

/**
 * Requests the thread acknowledged are handled at most this many at a time, the rest wait here as
 * the text they came as: the thread can acknowledge far faster than the app handles, and a burst
 * started all at once would hold every one's work in memory together.
 */
const ACKED_AT_ONCE = 16;
/** Longest wait at stop for the main thread's answers to requests the thread still holds. */
const STOP_LIMIT_MS = 5000;

/**
 * The bot's HTTP server in a thread of its own (http-worker.mjs), as `npm start` runs it: there Slack's
 * requests are read and checked, and acknowledged at once where the answer cannot depend on the app;
 * `handler` (this thread) gets every request and answers the rest.
 */
export class HttpThread {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly synced = new Map<number, () => void>();
  private closed: (() => void) | null = null;
  private restarts = 0;
  private port = 0;
  /** Acknowledged requests not started yet, and how many are being handled. */
  private readonly queued: Array<{ raw: string; headers: IncomingHttpHeaders; at: number }> = [];
  private running = 0;
  private idle: Array<() => void> = [];
  private ackingFirst = true;

  constructor(
    private readonly handler: RequestHandler,
    private readonly logger: Logger,
    /** Null in Socket Mode: /slack/events is then an unknown path like any other. */
    private readonly signingSecret: string | null,
    private readonly limits: HttpThreadLimits = {},
  ) {}

  /** Listens on `port` (0: any); resolves with the port once the thread accepts connections. */
  start(port: number, host?: string): Promise<number> {
    const worker = startWorkerThread('src/slack/http-worker.mjs', { port, host, signingSecret: this.signingSecret });
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FromHttpThread) => {
        switch (m.kind) {
          case 'listening':
            this.worker = worker;
            this.port = m.port;
            this.ackingFirst = true;
            resolve(m.port);
            return;
          case 'failed':
            reject(Object.assign(new Error(m.message), { code: m.code }));
            void worker.terminate();
            return;
          case 'log':
            this.logger[m.level](m.message);
            return;
          case 'slack':
            if (m.id === 0) {
              this.queued.push({ raw: m.raw, headers: m.headers, at: performance.now() });
              this.pump();
            } else this.answer(m.id, this.handler.deliver(m.raw, m.headers, false));
            return;
          case 'request':
            this.answer(m.id, this.handler.handle({ method: m.method, path: m.path, headers: m.headers, body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength) }));
            return;
          case 'synced':
            this.synced.get(m.id)?.();
            this.synced.delete(m.id);
            return;
          case 'closed':
            this.closed?.();
        }
      });
      worker.once('error', (error) => {
        this.logger.error(`HTTP thread failed: ${error.stack ?? error.message}`);
        reject(error);
      });
      worker.once('exit', (code) => {
        if (this.worker !== worker) return;
        this.worker = null;
        for (const done of this.synced.values()) done();
        this.synced.clear();
        // Without its HTTP thread the bot hears nothing: start it again on the same port, or exit for a supervisor to restart the process.
        this.logger.error(`HTTP thread exited (code ${code})`);
        // After WORKER_RESTARTS the process exits for its supervisor to start it again.
        if (this.restarts >= WORKER_RESTARTS) process.exit(1);
        this.restarts += 1;
        this.start(this.port, host).catch((error: unknown) => {
          this.logger.error(`HTTP thread did not start again: ${(error as Error).message}`);
          process.exit(1);
        });
      });
    });
  }

  /** For /healthz: whether it acknowledges first, and the acknowledged requests waiting and being handled. */
  load(): RequestLoad {
    return { acknowledgingFirst: this.ackingFirst, waiting: this.queued.length, handling: this.running };
  }

  /** Ends the thread as a crash would (tests): it is started again on the same port. */
  async crashForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  /**
   * Resolves once every request the thread had received before now has reached this thread (messages
   * keep their order) and the acknowledged ones among them have been started (they are the receiver's from then on).
   */
  async sync(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      const id = ++this.seq;
      await new Promise<void>((resolve) => {
        this.synced.set(id, resolve);
        worker.postMessage({ kind: 'sync', id } satisfies ToHttpThread);
      });
    }
    if (this.queued.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Starts acknowledged requests while fewer than ACKED_AT_ONCE run; tells the thread whether to go on acknowledging first. */
  private pump(): void {
    const behind = this.queued.length > 0 ? performance.now() - this.queued[0].at : 0;
    const keepUp = this.queued.length + this.running <= (this.limits.unfinished ?? 1000) && behind <= (this.limits.behindMs ?? 1500);
    if (keepUp !== this.ackingFirst && this.worker) {
      this.ackingFirst = keepUp;
      this.worker.postMessage({ kind: 'ackFirst', on: keepUp } satisfies ToHttpThread);
      if (keepUp) this.logger.info('caught up: acknowledging commands and clicks at once again');
      else this.logger.warn(`falling behind (${this.queued.length + this.running} acknowledged requests unfinished, the oldest waiting ${behind.toFixed(0)} ms): acknowledging only after handling until caught up`);
    }
    while (this.running < ACKED_AT_ONCE && this.queued.length > 0) {
      const next = this.queued.shift() as { raw: string; headers: IncomingHttpHeaders; at: number };
      this.running += 1;
      this.answer(
        0,
        this.handler.deliver(next.raw, next.headers, true).finally(() => {
          this.running -= 1;
          this.pump();
        }),
      );
    }
    if (this.queued.length === 0) for (const done of this.idle.splice(0)) done();
  }

  /** Stops listening; requests already received get their answers; then the thread ends. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      this.closed = resolve;
      setTimeout(resolve, STOP_LIMIT_MS).unref();
      worker.postMessage({ kind: 'close' } satisfies ToHttpThread);
    });
    this.worker = null;
    this.closed = null;
    await worker.terminate();
  }

  private answer(id: number, answer: Promise<Answer>): void {
    void answer
      .catch((error: unknown): Answer => {
        this.logger.error('a request failed', error);
        return { status: 500 };
      })
      .then((a) => {
        if (id !== 0) this.worker?.postMessage({ kind: 'answer', id, answer: a } satisfies ToHttpThread);
      });
  }
}
