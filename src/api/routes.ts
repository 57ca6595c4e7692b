import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute, Logger } from '@slack/bolt';

/** What a route answers: a status, a body (JSON unless a string) and extra headers. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** What a route sees of a request. */
export interface RouteRequest {
  readonly headers: IncomingHttpHeaders;
  readonly params: Readonly<Record<string, string>>;
  /** Who `authenticate` said is calling (an API key's name). */
  readonly caller: string | null;
}

/** A route of ours beside Slack's endpoint (/healthz, /metrics, /api/…), served through Bolt's customRoutes. */
export interface Route {
  readonly method: 'GET' | 'POST';
  /** A path-to-regexp pattern, as Bolt's customRoutes take it: `/api/handoffs/:id`. */
  readonly path: string;
  /** Bodies over this many bytes are answered 413 while being read (default 64 KiB). */
  readonly bodyLimit?: number;
  /**
   * Checked on the headers, before the body is read: a caller's name, or an answer that refuses the
   * request (401), so a request without a valid key costs no memory for its body.
   */
  authenticate?(headers: IncomingHttpHeaders): string | Answer;
  handle(req: RouteRequest, body: Buffer): Promise<Answer> | Answer;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Refuses a request before its body is read (rate limits); null lets it through. */
export type Gate = (route: Route, req: IncomingMessage, caller: string | null) => Answer | null;

class TooLarge extends Error {}

/** The body, or TooLarge as soon as more than `limit` bytes are declared or read. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new TooLarge());
        req.pause();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes an answer; a refused request's unread body is not waited for (the connection closes). */
export function writeAnswer(res: ServerResponse, answer: Answer, closeConnection = false): void {
  const text = answer.body === undefined || answer.body === '' ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type = text && typeof answer.body !== 'string' ? { 'content-type': 'application/json; charset=utf-8' } : {};
  res.writeHead(answer.status, { ...type, 'cache-control': 'no-store', ...(closeConnection ? { connection: 'close' } : {}), ...answer.headers });
  res.end(text);
}

const TOO_LARGE: Answer = { status: 413, body: { ok: false, error: 'payload_too_large' } };

/**
 * Our routes as Bolt customRoutes. Per request, in this order: authenticate on the headers, the gate
 * (rate limits), the body read up to the route's limit, then the handler. A refusal before the body
 * closes the connection instead of reading what the client still sends.
 */
export function toCustomRoutes(routes: readonly Route[], opts: { logger: Logger; gate?: Gate }): CustomRoute[] {
  return routes.map((route) => ({
    path: route.path,
    method: route.method,
    handler: (req: Parameters<CustomRoute['handler']>[0], res: ServerResponse) => {
      void (async () => {
        let caller: string | null = null;
        if (route.authenticate) {
          const who = route.authenticate(req.headers);
          if (typeof who !== 'string') return writeAnswer(res, opts.gate?.(route, req, null) ?? who, true);
          caller = who;
        }
        const refused = opts.gate?.(route, req, caller);
        if (refused) return writeAnswer(res, refused, true);
        let body: Buffer = Buffer.alloc(0);
        if (route.method === 'POST') {
          try {
            body = await readBody(req, route.bodyLimit ?? DEFAULT_BODY_LIMIT);
          } catch (error) {
            return writeAnswer(res, error instanceof TooLarge ? TOO_LARGE : { status: 400 }, true);
          }
        }
        try {
          const params = Object.fromEntries(Object.entries(req.params ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join('/') : String(v)]));
          writeAnswer(res, await route.handle({ headers: req.headers, params, caller }, body));
        } catch (error) {
          opts.logger.error(`${route.method} ${route.path} failed`, error);
          if (!res.headersSent) writeAnswer(res, { status: 500, body: { ok: false, error: 'internal_error' } });
        }
      })();
    },
  }));
}
