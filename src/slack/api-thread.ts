import type { Worker } from 'node:worker_threads';
import { type LogLevel, WebClient, type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import { startWorkerThread, WORKER_RESTARTS } from './worker-thread';

type Call = (method: string, args: Record<string, unknown>) => Promise<WebAPICallResult>;

/**
 * The bot's own WebClient. Its calls run here until `route` is set; `npm start` then routes them to
 * the Slack API thread, so the HTTP requests, their JSON and the client's bookkeeping use the second
 * core instead of delaying the acknowledgements Slack waits for. Every method helper
 * (`chat.postMessage`, …) goes through `apiCall`, so callers see no difference.
 */
export class RoutedWebClient extends WebClient {
  route: Call | null = null;

  override apiCall(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    return this.route ? this.route(method, options) : super.apiCall(method, options);
  }

  /** The call in this thread, whatever the route. */
  callHere(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    return super.apiCall(method, options);
  }
}

/** What crosses between the threads. */
export interface ApiThreadData {
  readonly token: string;
  /** Plain data only (no logger, no fetch): the thread builds its own client from it. */
  readonly options: Pick<WebClientOptions, 'slackApiUrl' | 'timeout' | 'retryConfig' | 'rejectRateLimitedCalls'>;
  readonly logLevel: LogLevel;
}
export type ToApiThread = { kind: 'call'; id: number; method: string; args: Record<string, unknown> } | { kind: 'stop' };
export type FromApiThread = { kind: 'ready' } | { id: number; result: WebAPICallResult } | { id: number; error: SerializedError };
/** What serializeError (api-worker.mjs) makes of a WebClient error. */
export type SerializedError = { message: string } & Record<string, unknown>;

export function deserializeError(fields: SerializedError): Error {
  return Object.assign(new Error(fields.message), fields);
}


/** The worker thread behind RoutedWebClient.route (api-worker.mjs), with the calls in flight. */
export class SlackApiThread {
  private worker: Worker | null = null;
  private seq = 0;
  private restarts = 0;
  private stopping = false;
  private readonly pending = new Map<number, { resolve: (r: WebAPICallResult) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly data: ApiThreadData,
    private readonly onFailure: (message: string) => void,
  ) {}

  async start(): Promise<void> {
    this.stopping = false;
    const worker = startWorkerThread('src/slack/api-worker.mjs', this.data);
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromApiThread) => {
        if ('kind' in m) {
          this.worker = worker;
          resolve();
          return;
        }
        const call = this.pending.get(m.id);
        this.pending.delete(m.id);
        if ('error' in m) call?.reject(deserializeError(m.error));
        else call?.resolve(m.result);
      });
      worker.once('error', (error) => {
        this.onFailure(`Slack API thread failed: ${error.stack ?? error.message}`);
        reject(error);
      });
      worker.once('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        // A call whose answer is lost is failed like a broken connection: the outbox looks before it sends again.
        for (const call of this.pending.values()) call.reject(Object.assign(new Error('the Slack API thread stopped before Slack answered'), { code: 'slack_webapi_request_error' }));
        this.pending.clear();
        if (this.stopping || this.restarts >= WORKER_RESTARTS) return;
        this.restarts += 1;
        this.onFailure(`Slack API thread exited (code ${code}); starting it again`);
        void this.start().catch(() => undefined);
      });
    });
  }

  /** The route for RoutedWebClient: through the thread while it runs, else `fallback` (the calling thread's own client). */
  call(fallback: Call): Call {
    return (method, args) => {
      const worker = this.worker;
      if (!worker) return fallback(method, args);
      const id = ++this.seq;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ kind: 'call', id, method, args } satisfies ToApiThread);
      });
    };
  }

  /** Lets the calls in flight finish, then ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = null; // new calls run in this thread from now on
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ kind: 'stop' } satisfies ToApiThread);
    await exited;
  }
}
