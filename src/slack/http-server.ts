import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type HTTPReceiver, isValidSlackRequest, type Logger } from '@slack/bolt';
import { checkEnvelope, MalformedPayloadError } from './envelope';

/** Slack's own limit for request bodies is far below this; anything larger is not from Slack. */
const BODY_LIMIT = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseSlackBody(text: string, contentType: string | undefined): unknown {
  if (contentType === 'application/json') return JSON.parse(text);
  const form = parseQuery(text);
  return typeof form.payload === 'string' ? JSON.parse(form.payload) : form;
}

/**
 * The HTTP front of the bot: requests to /slack/events that Slack signed but that lack what their
 * type promises are answered 400 at once (Bolt would crash on some and time out on others after 3 s);
 * everything else goes to Bolt's receiver as it is, which verifies signatures and serves custom routes.
 */
export function createSlackHttpServer(receiver: HTTPReceiver, opts: { signingSecret: string; logger: Logger }): Server {
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/slack/events')) {
      receiver.requestListener(req, res);
      return;
    }
    let raw: Buffer | null;
    try {
      raw = await readBody(req);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (raw === null) {
      res.writeHead(413).end();
      return;
    }
    // Bolt reads a body that was read already from `rawBody`.
    (req as IncomingMessage & { rawBody: Buffer }).rawBody = raw;
    const text = raw.toString('utf8');
    const signed = isValidSlackRequest({
      signingSecret: opts.signingSecret,
      body: text,
      headers: {
        'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
        'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
      },
    });
    if (signed) {
      try {
        const body = parseSlackBody(text, req.headers['content-type']) as Record<string, unknown>;
        if (body.ssl_check === undefined && body.type !== 'url_verification') {
          if (typeof body.command !== 'string' && typeof body.type !== 'string') throw new MalformedPayloadError('no type');
          checkEnvelope(body);
        }
      } catch (error) {
        opts.logger.warn(`rejected a request: ${(error as Error).message}`);
        res.writeHead(400).end();
        return;
      }
    }
    receiver.requestListener(req, res);
  });
}
