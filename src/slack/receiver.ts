import type { IncomingHttpHeaders } from 'node:http';
import { type App, AuthorizationError, type Logger, type Receiver, ReceiverMultipleAckError } from '@slack/bolt';
import { type Answer, MalformedPayloadError } from './http-front.mjs';
import { unwrapError } from './report-error';

/** A request to /slack/events that passed checkSlackRequest; `acked` when its empty 200 has gone out already. */
export interface SlackDelivery {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  readonly acked: boolean;
}

/** Bolt answers 404 to a request nothing acknowledged within Slack's 3 s, and so do we (at once when every listener is done). */
const UNHANDLED_AFTER_MS = 3001;
/** A response_url answer gets this long, and one more try after a failure. */
const RESPOND_TIMEOUT_MS = 5000;

const header = (headers: IncomingHttpHeaders, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Bolt's receiver for requests the bot's HTTP front has read and checked (http-server.ts, or the HTTP
 * thread under `npm start`): it parses nothing again and verifies nothing again, it only hands the body to
 * the app and turns `ack()` into the HTTP answer.
 *
 * A request acknowledged before the app saw it (`acked`: slash commands, clicks, see acksFirst) has no
 * HTTP answer left to give: what a listener passes to ack() (a command's ephemeral answer) is posted to
 * the request's response_url instead, which shows the person the same message.
 */
export class SlackReceiver implements Receiver {
  private app: App | null = null;
  private logger: Logger = console as unknown as Logger;
  private readonly inflight = new Set<Promise<unknown>>();

  init(app: App): void {
    this.app = app;
    this.logger = app.logger;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** Resolves with the HTTP answer: when the app acknowledges, or at once for Slack's own checks; an acked delivery's when the app is done. */
  handle(delivery: SlackDelivery): Promise<Answer> {
    const { body } = delivery;
    if (body.ssl_check !== undefined) return Promise.resolve({ status: 200 });
    if (body.type === 'url_verification') return Promise.resolve({ status: 200, body: { challenge: body.challenge } });
    const app = this.app;
    if (!app) return Promise.resolve({ status: 503 });

    let answered = delivery.acked;
    let answer: (r: Answer) => void = () => undefined;
    const response = new Promise<Answer>((resolve) => (answer = resolve));
    const reply = (r: Answer) => {
      if (answered) return false;
      answered = true;
      clearTimeout(unhandled);
      answer(r);
      return true;
    };
    const unhandled = delivery.acked
      ? undefined
      : setTimeout(() => {
          if (reply({ status: 404 })) this.logger.error('An incoming event was not acknowledged within 3 seconds. Ensure that the ack() argument is called in a listener.');
        }, UNHANDLED_AFTER_MS);
    let acks = 0;
    const ack = async (content?: unknown) => {
      if ((acks += 1) > 1) throw new ReceiverMultipleAckError();
      if (!delivery.acked) reply({ status: 200, body: content || undefined });
      else if (content) await this.respond(body, content);
    };

    const retry = header(delivery.headers, 'x-slack-retry-num');
    const work = app
      .processEvent({ body, ack, retryNum: retry === undefined ? undefined : Number.parseInt(retry, 10), retryReason: header(delivery.headers, 'x-slack-retry-reason') })
      .catch((error: unknown) => {
        const original = unwrapError(error);
        if (original instanceof MalformedPayloadError) {
          if (reply({ status: 400 })) this.logger.warn(`rejected a request: ${original.message}`);
        } else if (original instanceof AuthorizationError) reply({ status: 401 });
        else if (!reply({ status: 500 })) this.logger.error('An unhandled error occurred after ack() called in a listener', error);
        else this.logger.error('An unhandled error occurred while Bolt processed an event', error);
      })
      .then(() => {
        // Every listener has run and none acknowledged: answer now instead of when Slack's 3 s are up.
        if (reply({ status: 404 })) this.logger.error('An incoming request was not acknowledged: no listener called ack() for it.');
      });
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
    return delivery.acked ? work.then(() => ({ status: 200 })) : response;
  }

  /** Waits for the work of every request handed over so far. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** What a listener acked with, posted to the request's response_url (ephemeral unless it says otherwise). */
  private async respond(body: Record<string, unknown>, content: unknown): Promise<void> {
    const url = body.response_url;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      this.logger.warn('an answer to an acknowledged request has no response_url to go to; dropped');
      return;
    }
    const message = JSON.stringify(typeof content === 'string' ? { text: content } : content);
    let problem = '';
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: message, signal: AbortSignal.timeout(RESPOND_TIMEOUT_MS) });
        await res.arrayBuffer();
        if (res.ok) return;
        problem = `HTTP ${res.status}`;
        if (res.status < 500) break;
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    this.logger.error(`could not post an answer to the response_url: ${problem}`);
  }
}
