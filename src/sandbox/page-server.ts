import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { z } from 'zod';
import type { ActionOutcome, PersonActions } from './person-actions.js';
import type { ClockJump, ClockJumpResult } from './start-sandbox.js';
import { inPackage } from '../paths.js';

/** The page's files, served as they are: no build step. */
const WEB_DIR = inPackage('src/sandbox/web') + '/';
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const BODY_LIMIT = 1024 * 1024;
/** SSE comments keep proxies and browsers from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function hostWithPort(name: string, port: number): string[] {
  const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  // A browser leaves out the port when it is the scheme's default.
  return port === 80 ? [`${host}:${port}`, host] : [`${host}:${port}`];
}

/**
 * The `Host` values the page answers to: the loopback names, and the interface it listens on
 * (every address and the machine's name when that is all of them). A page on another name that
 * resolves here (DNS rebinding) would otherwise drive the sandbox from any site.
 */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = [...LOOPBACK_NAMES];
  if (WILDCARD_HOSTS.has(bindHost)) {
    names.push(hostname());
    for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) names.push(info.address);
  } else names.push(bindHost);
  return new Set(names.flatMap((n) => hostWithPort(n.toLowerCase(), port)));
}

/** A browser sends Origin with every POST; one from another site (or none: not the page) is refused. */
function isOwnOrigin(origin: string | undefined, hosts: Set<string>): boolean {
  if (!origin) return false;
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && hosts.has(url.host.toLowerCase());
  } catch {
    return false;
  }
}

export interface PageServerDeps {
  readonly port: number;
  readonly host: string;
  // what a person sees is open-ended JSON
  readonly state: (userId: string) => any;
  readonly actions: () => PersonActions | null;
  readonly jump: (kind: ClockJump, timezone: string) => Promise<ClockJumpResult>;
  readonly knows: (userId: string) => boolean;
  readonly people: () => readonly { id: string; name: string }[];
  /** A file shared in a conversation (the weekly report's chart), by id; null when there is none. */
  readonly file?: (id: string) => { bytes: Buffer; mimetype: string } | null;
}

export interface PageServer {
  readonly url: string;
  /** Tells every open page that something changed (coalesced). */
  changed(): void;
  close(): Promise<void>;
}

const json = z.record(z.string(), z.any());
const userId = z.string().min(1);
const bodies = {
  type: z.object({ as: userId, channel: z.string().min(1), text: z.string().max(4000) }),
  shortcut: z.object({ as: userId, callbackId: z.string().min(1) }),
  messageShortcut: z.object({ as: userId, callbackId: z.string().min(1), channel: z.string().min(1), ts: z.string().min(1) }),
  action: z.object({
    as: userId,
    target: z.discriminatedUnion('type', [
      z.object({ type: z.literal('message'), channel: z.string(), ts: z.string() }),
      z.object({ type: z.literal('ephemeral'), channel: z.string(), ts: z.string() }),
      z.object({ type: z.literal('view'), viewId: z.string() }),
    ]),
    action: json,
    state: z.record(z.string(), json).optional(),
  }),
  submit: z.object({ as: userId, viewId: z.string().min(1), values: z.record(z.string(), json) }),
  close: z.object({ as: userId, viewId: z.string().min(1), all: z.boolean().default(false) }),
  app: z.object({ as: userId, tab: z.enum(['home', 'messages']) }),
  dismiss: z.object({ as: userId, ts: z.string().min(1) }),
  upload: z.object({ as: userId, name: z.string().trim().min(1).max(255), size: z.number().int().min(0), mimetype: z.string().max(255).default('') }),
  clock: z.object({ as: userId, jump: z.enum(['hour', 'day', 'morning']), timezone: z.string().min(1) }),
};

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The sandbox page's HTTP server: the static page, one person's view of the workspace as JSON, a
 * server-sent event stream that says when it changed, and one POST endpoint per thing a person can do.
 */
export async function createPageServer(deps: PageServerDeps): Promise<PageServer> {
  const streams = new Set<ServerResponse>();
  let version = 0;
  let pending: NodeJS.Timeout | null = null;

  const act = async (kind: keyof typeof bodies, raw: unknown): Promise<[number, unknown]> => {
    const parsed = bodies[kind].safeParse(raw);
    if (!parsed.success) return [400, { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }];
    const b = parsed.data as Record<string, any>;
    if (!deps.knows(b.as)) return [400, { ok: false, error: `nobody called ${b.as} in this workspace` }];
    if (kind === 'clock') return [200, { ok: true, ...(await deps.jump(b.jump, b.timezone)) }];
    const actions = deps.actions();
    if (!actions) return [503, { ok: false, error: 'the sandbox is still starting' }];
    let outcome: ActionOutcome;
    switch (kind) {
      case 'type':
        outcome = await actions.type(b.as, b.channel, b.text);
        break;
      case 'shortcut':
        outcome = await actions.shortcut(b.as, b.callbackId);
        break;
      case 'messageShortcut':
        outcome = await actions.messageShortcut(b.as, b.callbackId, b.channel, b.ts);
        break;
      case 'action':
        outcome = await actions.act(b.as, b.target, b.action, b.state);
        break;
      case 'submit':
        outcome = await actions.submit(b.as, b.viewId, b.values);
        break;
      case 'close':
        outcome = await actions.close(b.as, b.viewId, b.all);
        break;
      case 'app':
        outcome = await actions.openApp(b.as, b.tab);
        break;
      case 'dismiss':
        outcome = actions.dismiss(b.as, b.ts);
        break;
      case 'upload':
        outcome = actions.upload(b.as, b.name, b.size, b.mimetype);
        break;
    }
    return [200, outcome];
  };

  let hosts = new Set<string>();
  const server = createServer(async (req, res) => {
    try {
      if (!hosts.has(String(req.headers.host ?? '').toLowerCase())) return send(res, 403, { ok: false, error: 'unexpected Host: open the sandbox at the address it printed' });
      if (req.method === 'POST' && !isOwnOrigin(req.headers.origin, hosts)) return send(res, 403, { ok: false, error: 'only the sandbox page itself may act here (Origin)' });
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const file = req.method === 'GET' ? FILES[url.pathname] : undefined;
      if (file) {
        const body = await readFile(WEB_DIR + file.file);
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
        res.end(body);
        return;
      }
      if (req.method === 'GET' && url.pathname === '/sandbox/people') return send(res, 200, deps.people());
      const fileId = req.method === 'GET' ? url.pathname.match(/^\/sandbox\/files\/(F[A-Z0-9]+)$/)?.[1] : undefined;
      if (fileId) {
        const shared = deps.file?.(fileId);
        if (!shared) return send(res, 404, { ok: false, error: 'no such file' });
        // Served as an image only: anything else downloads, so a file can never run as a page here.
        const inline = shared.mimetype.startsWith('image/') && shared.mimetype !== 'image/svg+xml';
        res.writeHead(200, { 'content-type': inline ? shared.mimetype : 'application/octet-stream', 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff', ...(inline ? {} : { 'content-disposition': 'attachment' }) });
        res.end(shared.bytes);
        return;
      }
      if (req.method === 'GET' && url.pathname === '/sandbox/state') {
        const who = url.searchParams.get('as') ?? '';
        if (!deps.knows(who)) return send(res, 400, { ok: false, error: `nobody called ${who} in this workspace` });
        return send(res, 200, { version, ...deps.state(who) });
      }
      if (req.method === 'GET' && url.pathname === '/sandbox/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(`retry: 1000\nevent: change\ndata: ${JSON.stringify({ version })}\n\n`);
        streams.add(res);
        const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
        req.on('close', () => {
          clearInterval(keepalive);
          streams.delete(res);
        });
        return;
      }
      const kind = url.pathname.match(/^\/sandbox\/(\w+)$/)?.[1];
      if (req.method === 'POST' && kind && Object.hasOwn(bodies, kind)) {
        // Besides the Origin check: a JSON content type cannot be sent cross-site without a preflight.
        if (!req.headers['content-type']?.startsWith('application/json')) return send(res, 415, { ok: false, error: 'send application/json' });
        const text = await readBody(req);
        if (text === null) return send(res, 413, { ok: false, error: 'too large' });
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          return send(res, 400, { ok: false, error: 'not JSON' });
        }
        const [status, body] = await act(kind as keyof typeof bodies, raw);
        return send(res, status, body);
      }
      send(res, 404, { ok: false, error: 'not found' });
    } catch (error) {
      if (!res.headersSent) send(res, 500, { ok: false, error: (error as Error).message });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hosts = allowedHosts(deps.host, port);
  const shownHost = deps.host === '127.0.0.1' || deps.host === '0.0.0.0' || deps.host === '::' ? 'localhost' : deps.host;

  return {
    url: `http://${shownHost}:${port}/`,
    changed() {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        version++;
        for (const s of streams) s.write(`event: change\ndata: ${JSON.stringify({ version })}\n\n`);
      }, 25);
    },
    async close() {
      if (pending) clearTimeout(pending);
      for (const s of streams) s.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
