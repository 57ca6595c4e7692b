import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@slack/bolt';
import { type Answer, checkSlackRequest, parseSlackBody, readBody, SLACK_BODY_LIMIT, TOO_LARGE, TooLarge, writeAnswer } from './http-front.mjs';
import type { SlackReceiver } from './receiver';

export type RouteResponse = Answer;

/** What a route sees of a request. */
export interface RouteRequest {
  readonly headers: IncomingHttpHeaders;
}

/** A route of ours beside Slack's endpoint: /healthz, /api/…. */
export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  /** Bodies over this many bytes are answered 413 without reading further. */
  readonly bodyLimit?: number;
  handle(req: RouteRequest, body: Buffer, params: string[]): Promise<RouteResponse> | RouteResponse;
}

/** A request read whole, wherever it was read (this thread's server or the HTTP thread). */
export interface PlainRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const DEFAULT_ROUTE_BODY_LIMIT = 64 * 1024;

/**
 * Everything the bot answers over HTTP: our routes first, then Slack's endpoint, checked once here
 * (checkSlackRequest: 401 unsigned, 400 malformed) and handed to the receiver. Without a receiver
 * (Socket Mode) only our routes are served.
 */
export function createRequestHandler(opts: { receiver?: SlackReceiver; signingSecret: string; logger: Logger; routes: readonly Route[] }) {
  const routeFor = (method: string, path: string) => {
    for (const route of opts.routes) {
      const match = route.path.exec(path);
      if (match && method === route.method) return { route, params: match.slice(1) };
    }
    return null;
  };
  return {
    /** How much of a request's body is read before it is answered 413. */
    bodyLimit(method: string, path: string): number {
      const found = routeFor(method, path);
      return found ? (found.route.bodyLimit ?? DEFAULT_ROUTE_BODY_LIMIT) : SLACK_BODY_LIMIT;
    },

    async handle(req: PlainRequest): Promise<RouteResponse> {
      const found = routeFor(req.method, req.path);
      if (found) {
        if (req.body.length > this.bodyLimit(req.method, req.path)) return TOO_LARGE;
        try {
          return await found.route.handle(req, req.body, found.params);
        } catch (error) {
          opts.logger.error(`${req.method} ${req.path} failed`, error);
          return { status: 500, body: { ok: false, error: 'internal_error' } };
        }
      }
      if (!opts.receiver || req.path !== '/slack/events') return { status: 404, body: { ok: false, error: 'not_found' } };
      if (req.method !== 'POST') return { status: 405, body: { ok: false, error: 'method_not_allowed' }, headers: { allow: 'POST' } };
      const check = checkSlackRequest(opts.signingSecret, req.body.toString('utf8'), req.headers);
      if (check.verdict !== 'ok') {
        opts.logger.warn(check.problem);
        return { status: check.verdict === 'unsigned' ? 401 : 400 };
      }
      return opts.receiver.handle({ body: check.body, headers: req.headers, acked: false });
    },

    /**
     * A request to /slack/events the HTTP thread has checked already (and, when `acked`, answered):
     * only parsed here, not verified again.
     */
    async deliver(raw: string, headers: IncomingHttpHeaders, acked: boolean): Promise<RouteResponse> {
      if (!opts.receiver) return { status: 404 };
      return opts.receiver.handle({ body: parseSlackBody(raw, headers['content-type']) as Record<string, unknown>, headers, acked });
    },
  };
}

export type RequestHandler = ReturnType<typeof createRequestHandler>;

/** The bot's HTTP server in this thread (tests, the sandbox; `npm start` serves HTTP from its own thread, see http-thread.ts). */
export function createHttpServer(handler: RequestHandler): Server {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    // Once closing, answers end their connection so shutdown need not wait for keep-alive clients.
    if (!server.listening) res.setHeader('connection', 'close');
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let body: Buffer = Buffer.alloc(0);
    if (method === 'POST') {
      try {
        body = await readBody(req, handler.bodyLimit(method, path));
      } catch (error) {
        writeAnswer(res, error instanceof TooLarge ? TOO_LARGE : { status: 400 });
        return;
      }
    }
    writeAnswer(res, await handler.handle({ method, path, headers: req.headers, body }));
  });
  return server;
}
