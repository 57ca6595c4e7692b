import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type HTTPReceiver, isValidSlackRequest, type Logger } from '@slack/bolt';
import { checkEnvelope, MalformedPayloadError } from './envelope';

/** Slack's own request bodies are far below this; anything larger is not from Slack. */
const SLACK_BODY_LIMIT = 4 * 1024 * 1024;

export interface RouteResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A route of ours beside Slack's endpoint: /healthz, /api/…. */
export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  /** Bodies over this many bytes are answered 413 without reading further. */
  readonly bodyLimit?: number;
  handle(req: IncomingMessage, body: Buffer, params: string[]): Promise<RouteResponse> | RouteResponse;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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

function send(res: ServerResponse, r: RouteResponse): void {
  const json = r.body === undefined ? '' : JSON.stringify(r.body);
  res.writeHead(r.status, { ...(json ? { 'content-type': 'application/json; charset=utf-8' } : {}), 'cache-control': 'no-store', ...r.headers });
  res.end(json);
}

function parseSlackBody(text: string, contentType: string | undefined): unknown {
  if (contentType === 'application/json') return JSON.parse(text);
  const form = parseQuery(text);
  return typeof form.payload === 'string' ? JSON.parse(form.payload) : form;
}

/**
 * The one signature check (Bolt's receiver is told not to repeat it): a request must be signed with
 * the signing secret within 5 minutes (`unsigned` → 401), and what Slack signed must have what its type
 * promises (`malformed` → 400: Bolt would crash on some such payloads, or time out after 3 s).
 */
function checkSlackRequest(text: string, req: IncomingMessage, signingSecret: string, logger: Logger): 'unsigned' | 'malformed' | 'ok' {
  const signed = isValidSlackRequest({
    signingSecret,
    body: text,
    headers: {
      'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
      'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
    },
  });
  if (!signed) {
    logger.warn('rejected a request without a valid Slack signature');
    return 'unsigned';
  }
  try {
    const body = parseSlackBody(text, req.headers['content-type']) as Record<string, unknown>;
    if (body.ssl_check !== undefined || body.type === 'url_verification') return 'ok';
    if (typeof body.command !== 'string' && typeof body.type !== 'string') throw new MalformedPayloadError('no type');
    checkEnvelope(body);
    return 'ok';
  } catch (error) {
    logger.warn(`rejected a request: ${(error as Error).message}`);
    return 'malformed';
  }
}

/**
 * The bot's HTTP server: our routes first, then Slack's endpoint, verified here and handed to Bolt's
 * receiver. In Socket Mode there is no receiver and only our routes are served.
 */
export function createHttpServer(opts: { receiver?: HTTPReceiver; signingSecret: string; logger: Logger; routes: readonly Route[] }): Server {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    // Once closing, answers end their connection so shutdown need not wait for keep-alive clients.
    if (!server.listening) res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const route of opts.routes) {
      const match = route.path.exec(url.pathname);
      if (!match || req.method !== route.method) continue;
      try {
        const body = req.method === 'POST' ? await readBody(req, route.bodyLimit ?? 64 * 1024) : Buffer.alloc(0);
        send(res, await route.handle(req, body, match.slice(1)));
      } catch (error) {
        if (error instanceof TooLarge) send(res, { status: 413, body: { ok: false, error: 'payload_too_large' }, headers: { connection: 'close' } });
        else {
          opts.logger.error(`${req.method} ${url.pathname} failed`, error);
          send(res, { status: 500, body: { ok: false, error: 'internal_error' } });
        }
      }
      return;
    }
    if (!opts.receiver || url.pathname !== '/slack/events') {
      send(res, { status: 404, body: { ok: false, error: 'not_found' } });
      return;
    }
    // Only verified POSTs reach Bolt (its receiver no longer checks signatures itself).
    if (req.method !== 'POST') {
      send(res, { status: 405, body: { ok: false, error: 'method_not_allowed' }, headers: { allow: 'POST' } });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, SLACK_BODY_LIMIT);
    } catch (error) {
      send(res, { status: error instanceof TooLarge ? 413 : 400 });
      return;
    }
    const verdict = checkSlackRequest(raw.toString('utf8'), req, opts.signingSecret, opts.logger);
    if (verdict !== 'ok') {
      send(res, { status: verdict === 'unsigned' ? 401 : 400 });
      return;
    }
    // Bolt reads a body that was read already from `rawBody`.
    (req as IncomingMessage & { rawBody: Buffer }).rawBody = raw;
    opts.receiver.requestListener(req, res);
  });
  return server;
}
