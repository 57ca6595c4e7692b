/**
 * A local stand-in for the Slack Web API: the integration tests' fake Slack and the sandbox's emulator.
 *
 * It speaks the wire format the real API speaks (POST /api/<method>, form-encoded or JSON, answers
 * `{ok: ...}` with HTTP 200, 429 + Retry-After when rate limited) and keeps the state a person would
 * see (messages, threads, views and each person's modal stack, ephemerals, App Home tabs), so tests can
 * assert on it and the sandbox page can show it. What Slack's own client does (opening a modal for
 * whoever's trigger_id it was, applying a view_submission's response_action) is here too, because
 * Slack does it on its servers.
 */
import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TEAM_ID = 'T0001';
export const TEAM_DOMAIN = 'acme';
export const APP_ID = 'A0001';
export const BOT_USER_ID = 'U0BOT';
export const BOT_ID = 'B0001';
export const BOT_USER_NAME = 'handoffbot';

/** Slack timestamps of fake messages start here so they look like the real thing in logs. */
const EPOCH_SECONDS = 1_700_000_000;

// Slack payloads are open-ended JSON
type Json = any;
type Args = Record<string, Json>;

export interface FakeUser {
  tz?: string;
  name?: string;
  /** The status users.profile.get reports: emoji like ":palm_tree:", and when Slack clears it (unix seconds, 0 never). */
  status?: FakeStatus;
}

export interface FakeStatus {
  emoji?: string;
  text?: string;
  expiration?: number;
}

export interface FakeSlackOptions {
  users?: Record<string, FakeUser>;
  /** usergroup id (S…) → member user ids */
  usergroups?: Record<string, string[]>;
  /**
   * Where message timestamps come from (ms since epoch). Without it they count up from 2023, which
   * is enough for tests; the sandbox passes its settable clock so messages carry the time they were sent.
   */
  clock?: () => number;
  /** The workspace URL (auth.test) and start of chat.getPermalink answers (default https://fake.slack.test); the sandbox points them at its page. */
  permalinkBase?: string;
}

export interface RecordedCall {
  method: string;
  args: Args;
  /** Bearer token or `token` field; undefined when the caller sent none. */
  token?: string;
  /** ms since epoch when the request arrived (the call is recorded once it has been answered). */
  at: number;
  /** HTTP status the fake answered with. */
  status: number;
  /** JSON body the fake answered with. */
  response: Json;
  /** Set when an injected fault answered instead of the normal handler (state was not changed). */
  failed?: true;
}

export interface Fault {
  /** HTTP status to answer with; 429 gets `Retry-After` and `{ok:false,error:'ratelimited'}`. */
  status?: number;
  /** JSON body to answer with (HTTP 200 unless `status` is given), e.g. {ok:false,error:'channel_not_found'}. */
  body?: object;
  /** Seconds for the Retry-After header; implies status 429 when no status is given. */
  retryAfter?: number;
  /** Hold the answer this long. On its own the call is then answered normally (state does change). */
  delayMs?: number;
  /** How many upcoming calls of the method this applies to; default 1. */
  times?: number;
}

export interface StoredMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: Json[];
  thread_ts?: string;
  /** How many successful chat.update calls touched it. */
  updates: number;
  metadata?: Json;
  /** The person who wrote it; absent for the bot's own messages. */
  user?: string;
  /** Files shared with it (files.completeUploadExternal into a channel). */
  files?: SharedFile[];
}

/** A file as a message carries it; `url_private` is served by the fake (GET, with a token, like Slack). */
export interface SharedFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
  url_private: string;
}

/** A file the app uploaded with files.getUploadURLExternal and the POST to its upload_url. */
export interface UploadedFile {
  id: string;
  name: string;
  title: string;
  /** The length the app announced in files.getUploadURLExternal. */
  length: number;
  mimetype: string;
  /** The bytes posted to the upload URL; null until they arrived. */
  bytes: Buffer | null;
  alt_text?: string;
  /** Where files.completeUploadExternal shared it; null until completed (or completed without a channel). */
  channel: string | null;
  completed: boolean;
}

export interface Ephemeral {
  channel: string;
  user: string;
  text: string;
  blocks: Json[];
  thread_ts?: string;
  message_ts: string;
  /** Who it is from when not the app (Slack's own notices come from Slackbot). */
  from?: string;
}

/** What a modal shows besides its view: errors from the app's `response_action: errors`, or a failed submission. */
export interface ModalState {
  view: Json;
  /** block_id → message */
  errors: Record<string, string>;
  /** Set when the app's answer to a submission was not one Slack accepts (shown at the top of the modal). */
  problem?: string;
}

/** A file a person uploaded (a file_input in a form): what files.info answers and a view_submission carries. */
export interface StoredFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  user: string;
  created: number;
  permalink: string;
  url_private: string;
}

/** Slack's limit for a file uploaded in a file_input. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** A webhook delivery the sandbox received instead of sending it out (see webhooksUrl). */
export interface RecordedWebhook {
  /** Index of the webhook in the config's `webhooks`. */
  hook: number;
  /** ms since epoch on the emulator's clock. */
  at: number;
  event: string;
  delivery: string;
  signature: string;
  body: Json;
}

type Answer = { status?: number; headers?: Record<string, string>; body: Json };
type Handler = (args: Args) => Json;

/** The DM channel the fake assigns to a user: U0001 → D0001 (same rule as conversations.open). */
export function dmChannelFor(userId: string): string {
  return `D${userId.replace(/^[UW]/, '')}`;
}

function isUserId(channel: string): boolean {
  return /^[UW][A-Z0-9]+$/.test(channel);
}

/** UTC offset in seconds of an IANA zone right now, the way users.info reports `tz_offset`. */
function tzOffsetSeconds(tz: string): number {
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = name?.match(/GMT([+-])(\d{2}):(\d{2})/);
    if (!m) return 0;
    const secs = Number(m[2]) * 3600 + Number(m[3]) * 60;
    return m[1] === '-' ? -secs : secs;
  } catch {
    return 0;
  }
}

function ok(body: Json = {}): Json {
  return { ok: true, ...body };
}

function err(error: string, extra: Json = {}): Json {
  return { ok: false, error, ...extra };
}

/** Form values that are JSON arrays/objects were stringified by the client; decode them back. */
function decodeFormValue(value: string): Json {
  const t = value.trimStart();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function asArray(v: Json): Json[] {
  return Array.isArray(v) ? v : [];
}

function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

/** The bytes of an upload: the body itself, or the first file of a multipart form (what the WebClient sends). */
async function uploadedBytes(contentType: string, raw: Buffer): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  throw new Error('multipart upload without a file');
}

const MIME_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv' };

function mimetypeOf(name: string): string {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  return Object.hasOwn(MIME_TYPES, ext) ? MIME_TYPES[ext] : 'application/octet-stream';
}

export class FakeSlack extends EventEmitter {
  readonly apiUrl: string;
  /** The base of response_urls that post here (SlackClientSim's `responseUrls`). */
  readonly hooksUrl: string;
  /** Where the sandbox points the config's webhooks: `<webhooksUrl><index>` records a delivery and answers 200. */
  readonly webhooksUrl: string;
  readonly webhooks: RecordedWebhook[] = [];
  readonly calls: RecordedCall[] = [];
  readonly ephemerals: Ephemeral[] = [];

  private readonly users: Record<string, FakeUser>;
  private readonly usergroups: Record<string, string[]>;
  private readonly channels = new Map<string, StoredMessage[]>();
  private readonly views = new Map<string, Json>();
  private readonly homes = new Map<string, string>(); // user id → view id
  private readonly triggers = new Map<string, string>(); // trigger_id → user id
  private readonly stacks = new Map<string, string[]>(); // user id → modal view ids, top last
  private readonly viewErrors = new Map<string, { errors: Record<string, string>; problem?: string }>();
  /** Files people picked in a form's file input (the sandbox page), by id; uploads of the bot are in `files`. */
  private readonly pickedFiles = new Map<string, StoredFile>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private readonly files = new Map<string, UploadedFile>();
  private fileSeq = 0;
  private readonly origin: string;
  private readonly handlers: Record<string, Handler>;
  private readonly clock?: () => number;
  private readonly permalinkBase: string;
  private tsSeq = 0;
  private lastTsMicros = 0;
  private viewSeq = 0;
  private hashSeq = 0;

  private constructor(
    private readonly server: Server,
    opts: FakeSlackOptions,
  ) {
    super();
    const { port } = server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.apiUrl = `http://127.0.0.1:${port}/api/`;
    this.hooksUrl = `http://127.0.0.1:${port}/hooks`;
    this.webhooksUrl = `http://127.0.0.1:${port}/webhooks/`;
    this.users = { ...opts.users };
    this.usergroups = { ...opts.usergroups };
    this.clock = opts.clock;
    this.permalinkBase = (opts.permalinkBase ?? 'https://fake.slack.test').replace(/\/$/, '');
    this.handlers = this.buildHandlers();
    // Every answered call may have changed what someone sees.
    this.on('call', () => this.emit('change'));
  }

  static async start(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeSlack(server, opts);
    server.on('request', (req, res) => {
      fake.handle(req, res).catch((e) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(err('fake_slack_crashed', { detail: String(e) })));
        }
      });
    });
    return fake;
  }

  async stop(): Promise<void> {
    for (const t of this.pendingTimers) clearTimeout(t);
    this.pendingTimers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // fetch keeps sockets alive; without this close() waits for them to time out.
    this.server.closeAllConnections();
    await closed;
  }

  // ---- recorded calls -------------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The view of the last views.open; with `callbackId`, throws unless it is that modal. */
  lastOpenedView(callbackId?: string): Json {
    const view = this.callsTo('views.open').at(-1)?.args.view;
    if (callbackId !== undefined && view?.callback_id !== callbackId) throw new Error(`the last modal opened is ${view?.callback_id ?? 'none'}, not ${callbackId}`);
    return view;
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  /** Forget everything (calls, messages, views, ephemerals, pending faults) but keep users. */
  reset(): void {
    this.clearCalls();
    this.ephemerals.length = 0;
    this.webhooks.length = 0;
    this.channels.clear();
    this.views.clear();
    this.homes.clear();
    this.triggers.clear();
    this.stacks.clear();
    this.viewErrors.clear();
    this.faults.clear();
    this.files.clear();
    this.pickedFiles.clear();
  }

  /**
   * Resolves with the first recorded call (already recorded or future) that matches. Calls are
   * recorded after they were answered, so state is consistent when this resolves.
   */
  waitFor(predicate: string | ((call: RecordedCall) => boolean), timeoutMs = 5000): Promise<RecordedCall> {
    const match = typeof predicate === 'string' ? (c: RecordedCall) => c.method === predicate : predicate;
    const existing = this.calls.find(match);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onCall = (call: RecordedCall) => {
        if (!match(call)) return;
        clearTimeout(timer);
        this.off('call', onCall);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.off('call', onCall);
        const seen = this.calls.map((c) => c.method).join(', ') || 'none';
        reject(new Error(`FakeSlack.waitFor timed out after ${timeoutMs} ms; calls seen: ${seen}`));
      }, timeoutMs);
      this.on('call', onCall);
    });
  }

  // ---- fault injection ------------------------------------------------------------------------

  /** Queue a fault for the next `times` calls of `method`; several faults queue up in order. */
  fail(method: string, fault: Fault): void {
    const queue = this.faults.get(method) ?? [];
    queue.push({ ...fault, times: fault.times ?? 1 });
    this.faults.set(method, queue);
  }

  private takeFault(method: string): Fault | undefined {
    const queue = this.faults.get(method);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) queue.shift();
    return fault;
  }

  // ---- state accessors (snapshots, so later updates do not leak into earlier assertions) -------

  /** Every message of a channel in posting order, thread replies included (they have thread_ts). */
  messages(channel: string): StoredMessage[] {
    return structuredClone(this.channels.get(channel) ?? []);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    const m = this.findMessage(channel, ts);
    return m && structuredClone(m);
  }

  dms(userId: string): StoredMessage[] {
    return this.messages(dmChannelFor(userId));
  }

  /** A file the app uploaded (completed or not), with its bytes; undefined for an unknown id. */
  file(id: string): UploadedFile | undefined {
    const f = this.files.get(id);
    return f && { ...f, bytes: f.bytes && Buffer.from(f.bytes) };
  }

  /** Every file the app uploaded, in upload order. */
  uploadedFiles(): UploadedFile[] {
    return [...this.files.keys()].map((id) => this.file(id) as UploadedFile);
  }

  threadReplies(channel: string, ts: string): StoredMessage[] {
    return this.messages(channel).filter((m) => m.thread_ts === ts && m.ts !== ts);
  }

  view(viewId: string): Json | undefined {
    const v = this.views.get(viewId);
    return v && structuredClone(v);
  }

  /** The latest published App Home of a user, or undefined when none was published. */
  homeOf(userId: string): Json | undefined {
    const id = this.homes.get(userId);
    return id ? this.view(id) : undefined;
  }

  /** Channels (and DMs) that have messages, in the order they got their first one. */
  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /** Sets (or with null clears) a person's status, as they would in Slack; users.profile.get reports it. */
  setStatus(userId: string, status: FakeStatus | null): void {
    const user = Object.hasOwn(this.users, userId) ? this.users[userId] : {};
    this.users[userId] = { ...user, status: status ?? undefined };
    this.emit('change');
  }

  /** The users and user groups the workspace knows. */
  directory(): { users: Record<string, FakeUser>; usergroups: Record<string, string[]> } {
    return structuredClone({ users: this.users, usergroups: this.usergroups });
  }

  // ---- what Slack's client does on behalf of a person -------------------------------------------

  /**
   * Remembers whose action a trigger_id came from, as Slack does: views.open and views.push with it
   * open the modal for that person.
   */
  registerTrigger(triggerId: string, userId: string): void {
    this.triggers.set(triggerId, userId);
  }

  /** A person's open modals, bottom first, with the errors each shows. */
  modalStack(userId: string): ModalState[] {
    return (this.stacks.get(userId) ?? []).flatMap((id) => {
      const view = this.view(id);
      const shown = this.viewErrors.get(id);
      return view ? [{ view, errors: { ...shown?.errors }, ...(shown?.problem ? { problem: shown.problem } : {}) }] : [];
    });
  }

  /** The person closed the top modal (its close button) or, with `all`, every modal (the ✕). */
  closeModal(userId: string, all = false): void {
    const stack = this.stacks.get(userId) ?? [];
    const closed = all ? stack.splice(0) : stack.splice(-1);
    for (const id of closed) this.viewErrors.delete(id);
    this.emit('change');
  }

  /**
   * Applies an app's answer to a view_submission the way Slack does: an empty 200 closes the submitted
   * view; `errors` shows messages under the named blocks; `update` replaces the view, `push` adds one
   * on top, `clear` closes them all. Anything else leaves the modal open with a problem shown.
   */
  applyViewSubmissionResponse(userId: string, viewId: string, status: number, body: Json): void {
    const stack = this.stacks.get(userId) ?? [];
    const at = stack.indexOf(viewId);
    const fail = (problem: string) => {
      this.viewErrors.set(viewId, { errors: this.viewErrors.get(viewId)?.errors ?? {}, problem });
      this.emit('change');
    };
    if (status !== 200) return fail(`We had some trouble connecting (HTTP ${status}). Try again?`);
    const action = body && typeof body === 'object' ? body.response_action : undefined;
    if (action === undefined) {
      if (at >= 0) stack.splice(at);
      this.viewErrors.delete(viewId);
    } else if (action === 'errors') {
      const errors = body.errors && typeof body.errors === 'object' ? body.errors : {};
      this.viewErrors.set(viewId, { errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, String(v)])) });
    } else if (action === 'update' || action === 'push') {
      const problem = this.checkView(body.view);
      if (problem) return fail(`The app answered with a view Slack refuses: ${problem}`);
      const current = this.views.get(viewId);
      if (action === 'update') {
        this.storeView(body.view, viewId, { root_view_id: current?.root_view_id ?? viewId, previous_view_id: current?.previous_view_id ?? null });
        this.viewErrors.delete(viewId);
      } else {
        const id = this.nextViewId();
        this.storeView(body.view, id, { root_view_id: current?.root_view_id ?? viewId, previous_view_id: viewId });
        if (at >= 0) stack.splice(at + 1, stack.length, id);
        else stack.push(id);
        this.stacks.set(userId, stack);
      }
    } else if (action === 'clear') {
      for (const id of stack.splice(0)) this.viewErrors.delete(id);
    } else return fail(`The app answered with an unknown response_action "${String(action)}".`);
    this.emit('change');
  }

  /**
   * A person uploads a file into a file_input, as Slack's client does before the form is submitted:
   * it gets an id and a permalink, files.info answers for it, and the returned object is what the
   * view_submission carries in the input's `files`. The content itself is not kept.
   */
  uploadFile(userId: string, name: string, size: number, mimetype = 'application/octet-stream'): StoredFile {
    if (size > MAX_UPLOAD_BYTES) throw new Error(`${name} is larger than 10 MB`);
    this.fileSeq += 1;
    const id = `F${String(this.fileSeq).padStart(8, '0')}`;
    const safe = encodeURIComponent(name.replace(/[\s/]+/g, '_'));
    const filetype = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? 'binary';
    const file: StoredFile = {
      id,
      name,
      title: name,
      mimetype,
      filetype,
      size,
      user: userId,
      created: Math.floor((this.clock?.() ?? Date.now()) / 1000),
      permalink: `${this.permalinkBase}/files/${userId}/${id}/${safe}`,
      url_private: `${this.permalinkBase}/files-pri/${TEAM_ID}-${id}/${safe}`,
    };
    this.pickedFiles.set(id, file);
    this.emit('change');
    return structuredClone(file);
  }

  /** An ephemeral message not sent through the API: a slash command's answer, or one from Slack itself. */
  addEphemeral(e: Omit<Ephemeral, 'message_ts'>): Ephemeral {
    const eph: Ephemeral = { ...structuredClone(e), channel: this.resolveChannel(e.channel), message_ts: this.nextTs() };
    this.ephemerals.push(eph);
    this.emit('change');
    return eph;
  }

  /** The person dismissed an ephemeral message. */
  dismissEphemeral(userId: string, messageTs: string): void {
    const i = this.ephemerals.findIndex((e) => e.user === userId && e.message_ts === messageTs);
    if (i >= 0) this.ephemerals.splice(i, 1);
    this.emit('change');
  }

  /** A person's own message, typed into a channel's composer (Slack escapes &, < and > in what people type). */
  addUserMessage(channel: string, user: string, text: string): StoredMessage {
    const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const msg: StoredMessage = { ts: this.nextTs(), channel: this.resolveChannel(channel), text: escaped, blocks: [], updates: 0, user };
    const list = this.channels.get(msg.channel) ?? [];
    list.push(msg);
    this.channels.set(msg.channel, list);
    this.emit('change');
    return structuredClone(msg);
  }

  /** A message posted as the bot without the API (a slash command answered `in_channel`). */
  addBotMessage(channel: string, text: string, blocks: Json[]): StoredMessage {
    const msg: StoredMessage = { ts: this.nextTs(), channel: this.resolveChannel(channel), text, blocks: structuredClone(blocks), updates: 0 };
    const list = this.channels.get(msg.channel) ?? [];
    list.push(msg);
    this.channels.set(msg.channel, list);
    this.emit('change');
    return structuredClone(msg);
  }

  private recordWebhook(hook: number, req: IncomingMessage, raw: string): void {
    let body: Json;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const header = (name: string) => String(req.headers[name] ?? '');
    this.webhooks.push({
      hook,
      at: this.clock?.() ?? Date.now(),
      event: header('x-handoff-event'),
      delivery: header('x-handoff-delivery'),
      signature: header('x-handoff-signature'),
      body,
    });
    this.emit('change');
  }

  // ---- HTTP plumbing ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hook = url.pathname.match(/^\/hooks\/[a-z]+\/([A-Z0-9]+)\/([A-Z0-9]+)\//);
    if (hook && req.method === 'POST') {
      await this.handleResponseUrl(req, res, at, hook[1], hook[2]);
      return;
    }
    const webhook = url.pathname.match(/^\/webhooks\/(\d+)$/);
    if (webhook && req.method === 'POST') {
      this.recordWebhook(Number(webhook[1]), req, await readBody(req));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const upload = url.pathname.match(/^\/upload\/v1\/(F[A-Z0-9]+)$/);
    if (upload && req.method === 'POST') {
      await this.handleUpload(req, res, at, upload[1]);
      return;
    }
    const download = url.pathname.match(/^\/files\/(F[A-Z0-9]+)\/[^/]+$/);
    if (download && (req.method === 'GET' || req.method === 'HEAD')) {
      const file = this.files.get(download[1]);
      // Like Slack's url_private: only with a token.
      if (!this.extractToken(req, {}) || !file?.bytes || !file.completed) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': file.mimetype, 'content-length': String(file.bytes.length) });
      res.end(req.method === 'HEAD' ? undefined : file.bytes);
      return;
    }
    const m = url.pathname.match(/^\/api\/([A-Za-z0-9_.]+)$/);
    if (!m) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const method = m[1];
    const raw = await readBody(req);
    const args = this.parseArgs(url, req.headers['content-type'] ?? '', raw);
    const token = this.extractToken(req, args);

    const fault = this.takeFault(method);
    if (fault?.delayMs) await this.sleep(fault.delayMs);

    let answer: Answer;
    const failing =
      fault !== undefined && (fault.status !== undefined || fault.body !== undefined || fault.retryAfter !== undefined);
    if (fault && failing) {
      answer = this.faultAnswer(fault);
    } else if (!token) {
      answer = { body: err('not_authed') };
    } else {
      // Own keys only: /api/constructor must not find Object's constructor.
      const handler = Object.hasOwn(this.handlers, method) ? this.handlers[method] : undefined;
      answer = { body: handler ? handler(args) : err('unknown_method', { req_method: method }) };
    }

    const status = answer.status ?? 200;
    // A client that timed out during a stall has gone, but like Slack the call still took effect.
    if (!res.destroyed) {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    }

    const call: RecordedCall = { method, args, token, at, status, response: answer.body };
    if (failing) call.failed = true;
    this.calls.push(call);
    this.emit('call', call);
  }

  /**
   * A POST to a response_url the sim made (SlackClientSim's responseUrls = hooksUrl): shown to the person
   * as an ephemeral, or to the channel with `response_type: in_channel`; recorded as a call to `response_url`.
   */
  private async handleResponseUrl(req: IncomingMessage, res: ServerResponse, at: number, user: string, channel: string): Promise<void> {
    const raw = await readBody(req);
    let args: Args;
    try {
      args = JSON.parse(raw) as Args;
    } catch {
      args = {};
    }
    const fault = this.takeFault('response_url');
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    const failing = fault !== undefined && (fault.status !== undefined || fault.body !== undefined);
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = asArray(args.blocks);
    const status = failing ? (fault.status ?? 500) : text || blocks.length ? 200 : 400;
    if (status === 200) {
      if (args.response_type === 'in_channel') this.addBotMessage(channel, text, blocks);
      else this.addEphemeral({ channel, user, text, blocks });
    }
    if (!res.destroyed) {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'invalid_payload');
    }
    const call: RecordedCall = { method: 'response_url', args: { ...args, user, channel }, at, status, response: { ok: status === 200 } };
    if (failing) call.failed = true;
    this.calls.push(call);
    this.emit('call', call);
  }

  /**
   * The POST of a file's bytes to the upload_url files.getUploadURLExternal gave (step 2 of the upload
   * flow); recorded as a call to `upload`. Slack answers 200 with a short text; an unknown URL is a 404.
   */
  private async handleUpload(req: IncomingMessage, res: ServerResponse, at: number, fileId: string): Promise<void> {
    const raw = await readRawBody(req);
    const fault = this.takeFault('upload');
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    const failing = fault !== undefined && (fault.status !== undefined || fault.body !== undefined);
    const file = this.files.get(fileId);
    let status = failing ? (fault.status ?? 500) : file && !file.completed ? 200 : 404;
    let bytes: Buffer | null = null;
    if (status === 200) {
      try {
        bytes = await uploadedBytes(String(req.headers['content-type'] ?? ''), raw);
      } catch {
        status = 400;
      }
    }
    if (file && bytes) file.bytes = bytes;
    if (!res.destroyed) {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? `OK - ${bytes?.length ?? 0}` : 'upload failed');
    }
    const call: RecordedCall = { method: 'upload', args: { file_id: fileId, bytes: bytes?.length ?? raw.length }, at, status, response: { ok: status === 200 } };
    if (failing) call.failed = true;
    this.calls.push(call);
    this.emit('call', call);
  }

  private sharedFile(f: UploadedFile): SharedFile {
    return { id: f.id, name: f.name, title: f.title, mimetype: f.mimetype, size: f.bytes?.length ?? 0, url_private: `${this.origin}/files/${f.id}/${encodeURIComponent(f.name)}` };
  }

  private faultAnswer(fault: Fault): Answer {
    const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : 200);
    const headers: Record<string, string> = {};
    if (status === 429) headers['retry-after'] = String(fault.retryAfter ?? 1);
    const body =
      fault.body ?? (status === 429 ? err('ratelimited') : status === 200 ? err('fatal_error') : err(`http_${status}`));
    return { status, headers, body };
  }

  private parseArgs(url: URL, contentType: string, raw: string): Args {
    const args: Args = {};
    for (const [k, v] of url.searchParams) args[k] = decodeFormValue(v);
    if (contentType.includes('application/json')) {
      if (raw.trim()) {
        const parsed = JSON.parse(raw);
        if (parsed && typeof parsed === 'object') Object.assign(args, parsed);
      }
    } else if (raw) {
      for (const [k, v] of new URLSearchParams(raw)) args[k] = decodeFormValue(v);
    }
    return args;
  }

  private extractToken(req: IncomingMessage, args: Args): string | undefined {
    const auth = req.headers.authorization;
    const bearer = auth?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (bearer) return bearer;
    return typeof args.token === 'string' && args.token ? args.token : undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pendingTimers.delete(t);
        resolve();
      }, ms);
      this.pendingTimers.add(t);
    });
  }

  // ---- state helpers ----------------------------------------------------------------------------

  private nextTs(): string {
    this.tsSeq += 1;
    if (this.clock) {
      // Slack's ts is the send time in µs; one per message, so two in the same µs are one apart.
      const at = Math.max(Math.floor(this.clock()) * 1000, this.lastTsMicros + 1);
      this.lastTsMicros = at;
      return `${Math.floor(at / 1_000_000)}.${String(at % 1_000_000).padStart(6, '0')}`;
    }
    const micros = this.tsSeq * 100;
    const secs = EPOCH_SECONDS + Math.floor(micros / 1_000_000);
    return `${secs}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private nextViewId(): string {
    this.viewSeq += 1;
    return `V${String(this.viewSeq).padStart(8, '0')}`;
  }

  private nextHash(): string {
    this.hashSeq += 1;
    return `${EPOCH_SECONDS + this.hashSeq}.${this.hashSeq.toString(16).padStart(8, '0')}`;
  }

  private findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.channels.get(channel)?.find((m) => m.ts === ts);
  }

  private resolveChannel(channel: string): string {
    return isUserId(channel) ? dmChannelFor(channel) : channel;
  }

  private userInfo(id: string): Json {
    const u = (Object.hasOwn(this.users, id) ? this.users[id] : undefined) ?? {};
    const tz = u.tz ?? 'UTC';
    const name = u.name ?? id.toLowerCase();
    return {
      id,
      team_id: TEAM_ID,
      name,
      real_name: name,
      deleted: false,
      is_bot: id === BOT_USER_ID,
      tz,
      tz_label: tz,
      tz_offset: tzOffsetSeconds(tz),
      profile: { display_name: name, real_name: name },
    };
  }

  /** The few limits Slack enforces that bots commonly trip over. */
  private checkView(view: Json): string | undefined {
    if (!view || typeof view !== 'object') return 'view is required';
    if (view.type !== 'modal' && view.type !== 'home') return 'view.type must be modal or home';
    if (!Array.isArray(view.blocks)) return 'view.blocks is required';
    if (view.blocks.length > 100) return 'no more than 100 items allowed [json-pointer:/view/blocks]';
    if (view.type === 'modal') {
      if (!view.title?.text) return 'view.title is required [json-pointer:/view/title]';
      if (String(view.title.text).length > 24)
        return 'must be less than 25 characters [json-pointer:/view/title/text]';
    }
    if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
      return 'must be less than 3001 characters [json-pointer:/view/private_metadata]';
    return undefined;
  }

  /** Stores a whole new version of a view: like Slack, fields the caller leaves out are reset. */
  private storeView(view: Json, id: string, lineage?: { root_view_id: string; previous_view_id: string | null }): Json {
    const stored = {
      id,
      team_id: TEAM_ID,
      app_id: APP_ID,
      app_installed_team_id: TEAM_ID,
      bot_id: BOT_ID,
      private_metadata: '',
      callback_id: '',
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
      previous_view_id: null,
      root_view_id: id,
      ...lineage,
      ...view,
      state: { values: {} },
      hash: this.nextHash(),
    };
    stored.id = id;
    this.views.set(id, stored);
    return structuredClone(stored);
  }

  private invalidView(problem: string): Json {
    return err('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${problem}`] } });
  }

  // ---- Web API methods --------------------------------------------------------------------------

  private buildHandlers(): Record<string, Handler> {
    return {
      'api.test': (args) => ok({ args }),

      'auth.test': () =>
        ok({
          url: `${this.permalinkBase}/`,
          team: 'Acme',
          user: BOT_USER_NAME,
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        }),

      'chat.postMessage': (args) => {
        if (!args.channel) return err('channel_not_found');
        const blocks = asArray(args.blocks);
        const text = typeof args.text === 'string' ? args.text : '';
        if (!text && blocks.length === 0 && !args.attachments) return err('no_text');
        if (blocks.length > 50) return err('invalid_blocks');
        const channel = this.resolveChannel(String(args.channel));
        const threadTs = args.thread_ts ? String(args.thread_ts) : undefined;
        if (threadTs && !this.findMessage(channel, threadTs)) return err('thread_not_found');
        const msg: StoredMessage = { ts: this.nextTs(), channel, text, blocks, updates: 0 };
        if (threadTs) msg.thread_ts = threadTs;
        if (args.metadata) msg.metadata = args.metadata;
        const list = this.channels.get(channel) ?? [];
        list.push(msg);
        this.channels.set(channel, list);
        return ok({
          channel,
          ts: msg.ts,
          message: {
            type: 'message',
            subtype: 'bot_message',
            user: BOT_USER_ID,
            bot_id: BOT_ID,
            app_id: APP_ID,
            text,
            blocks,
            ts: msg.ts,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          },
        });
      },

      // Newest first, like Slack; metadata only with include_all_metadata. Thread replies are not in a channel's history.
      'conversations.history': (args) => {
        const channel = this.resolveChannel(String(args.channel ?? ''));
        const oldest = Number(args.oldest ?? 0);
        const limit = Number(args.limit ?? 100);
        const withMeta = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const messages = (this.channels.get(channel) ?? [])
          .filter((m) => !m.thread_ts && Number(m.ts) >= oldest)
          .reverse()
          .slice(0, limit)
          .map((m) => ({ type: 'message', user: m.user ?? BOT_USER_ID, ...(m.user ? {} : { bot_id: BOT_ID }), text: m.text, ts: m.ts, ...(m.files ? { files: m.files } : {}), ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        return ok({ messages, has_more: false });
      },

      'conversations.replies': (args) => {
        const channel = this.resolveChannel(String(args.channel ?? ''));
        const ts = String(args.ts ?? '');
        const oldest = Number(args.oldest ?? 0);
        const withMeta = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const parent = this.findMessage(channel, ts);
        if (!parent) return err('thread_not_found');
        const replies = (this.channels.get(channel) ?? []).filter((m) => m.thread_ts === ts && Number(m.ts) >= oldest);
        const messages = [parent, ...replies].map((m) => ({ type: 'message', text: m.text, ts: m.ts, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}), ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        return ok({ messages, has_more: false });
      },

      'chat.update': (args) => {
        const channel = String(args.channel ?? '');
        const msg = this.findMessage(channel, String(args.ts ?? ''));
        if (!msg) return err('message_not_found');
        // Slack keeps fields the update leaves out; an explicit empty blocks array removes blocks.
        if (typeof args.text === 'string') msg.text = args.text;
        if (args.blocks !== undefined) msg.blocks = asArray(args.blocks);
        if (args.metadata) msg.metadata = args.metadata;
        msg.updates += 1;
        return ok({
          channel,
          ts: msg.ts,
          text: msg.text,
          message: { type: 'message', user: BOT_USER_ID, bot_id: BOT_ID, text: msg.text, blocks: msg.blocks },
        });
      },

      'chat.postEphemeral': (args) => {
        if (!args.channel) return err('channel_not_found');
        if (!args.user) return err('user_not_in_channel');
        const text = typeof args.text === 'string' ? args.text : '';
        const blocks = asArray(args.blocks);
        if (!text && blocks.length === 0 && !args.attachments) return err('no_text');
        const eph: Ephemeral = {
          channel: this.resolveChannel(String(args.channel)),
          user: String(args.user),
          text,
          blocks,
          message_ts: this.nextTs(),
        };
        if (args.thread_ts) eph.thread_ts = String(args.thread_ts);
        this.ephemerals.push(eph);
        return ok({ message_ts: eph.message_ts });
      },

      // Lenient on purpose: tests link to messages the fake never saw (e.g. from message shortcuts).
      'chat.getPermalink': (args) => {
        const channel = String(args.channel ?? '');
        const ts = String(args.message_ts ?? '');
        if (!channel || !ts) return err('invalid_arguments');
        const parent = this.findMessage(channel, ts)?.thread_ts;
        const query = parent ? `?thread_ts=${parent}&cid=${channel}` : '';
        return ok({ channel, permalink: `${this.permalinkBase}/archives/${channel}/p${ts.replace('.', '')}${query}` });
      },

      'conversations.open': (args) => {
        if (args.channel) return ok({ channel: { id: String(args.channel) } });
        const users = String(args.users ?? '')
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean);
        if (users.length === 0) return err('users_list_not_supplied');
        if (users.length === 1) {
          return ok({ no_op: true, already_open: true, channel: { id: dmChannelFor(users[0]) } });
        }
        // Group DMs get a G… id derived from the sorted members, so reopening gives the same channel.
        const id = `G${[...users].sort().map((u) => u.replace(/^[UW]/, '')).join('')}`;
        return ok({ channel: { id } });
      },

      'users.info': (args) => {
        if (!args.user) return err('user_not_found');
        return ok({ user: this.userInfo(String(args.user)) });
      },

      'users.profile.get': (args) => {
        // A bot token must say whose profile; Slack answers user_not_found for someone it does not know.
        if (!args.user) return err('user_not_found');
        const id = String(args.user);
        const u = (Object.hasOwn(this.users, id) ? this.users[id] : undefined) ?? {};
        const name = u.name ?? id.toLowerCase();
        return ok({
          profile: {
            display_name: name,
            real_name: name,
            status_emoji: u.status?.emoji ?? '',
            status_text: u.status?.text ?? '',
            status_expiration: u.status?.expiration ?? 0,
          },
        });
      },
      'files.info': (args) => {
        const file = this.pickedFiles.get(String(args.file ?? ''));
        return file ? ok({ file: structuredClone(file) }) : err('file_not_found');
      },

      'usergroups.users.list': (args) => {
        const group = String(args.usergroup ?? '');
        const members = Object.hasOwn(this.usergroups, group) ? this.usergroups[group] : undefined;
        return members ? ok({ users: [...members] }) : err('no_such_subteam');
      },

      'views.open': (args) => {
        if (!args.trigger_id && !args.interactivity_pointer) return err('invalid_arguments');
        const problem = this.checkView(args.view);
        if (problem) return this.invalidView(problem);
        const stored = this.storeView(args.view, this.nextViewId());
        // A new modal replaces whatever that person had open.
        const user = this.triggers.get(String(args.trigger_id ?? args.interactivity_pointer));
        if (user) this.stacks.set(user, [stored.id]);
        return ok({ view: stored });
      },

      'views.push': (args) => {
        if (!args.trigger_id && !args.interactivity_pointer) return err('invalid_arguments');
        const user = this.triggers.get(String(args.trigger_id ?? args.interactivity_pointer));
        const stack = user ? this.stacks.get(user) : undefined;
        // Slack pushes onto an open modal only, and keeps at most three.
        if (user && !stack?.length) return err('invalid_arguments');
        if (stack && stack.length >= 3) return err('push_limit_reached');
        const problem = this.checkView(args.view);
        if (problem) return this.invalidView(problem);
        const below = stack?.[stack.length - 1];
        const root = below ? this.views.get(below)?.root_view_id : undefined;
        const id = this.nextViewId();
        const stored = this.storeView(args.view, id, below ? { root_view_id: root ?? below, previous_view_id: below } : undefined);
        stack?.push(id);
        return ok({ view: stored });
      },

      'views.update': (args) => {
        let id = args.view_id ? String(args.view_id) : undefined;
        if (!id && args.external_id) {
          id = [...this.views.values()].find((v) => v.external_id === args.external_id)?.id;
        }
        const current = id ? this.views.get(id) : undefined;
        if (!id || !current) return err('not_found');
        if (args.hash && args.hash !== current.hash) return err('hash_conflict');
        const problem = this.checkView(args.view);
        if (problem) return this.invalidView(problem);
        const { root_view_id, previous_view_id } = current;
        this.viewErrors.delete(id);
        return ok({ view: this.storeView(args.view, id, { root_view_id, previous_view_id }) });
      },

      'views.publish': (args) => {
        const userId = String(args.user_id ?? '');
        if (!userId) return err('invalid_arguments');
        const problem = this.checkView(args.view);
        if (problem) return this.invalidView(problem);
        if (args.view.type !== 'home') return this.invalidView('view.type must be home for views.publish');
        // A user's Home tab keeps one view id across publishes, as on Slack.
        const existingId = this.homes.get(userId);
        const current = existingId ? this.views.get(existingId) : undefined;
        if (args.hash && current && args.hash !== current.hash) return err('hash_conflict');
        const id = existingId ?? this.nextViewId();
        this.homes.set(userId, id);
        return ok({ view: this.storeView(args.view, id) });
      },

      // Step 1 of the upload flow: a URL to POST the bytes to, and the file's id.
      'files.getUploadURLExternal': (args) => {
        const filename = typeof args.filename === 'string' ? args.filename.trim() : '';
        const length = Number(args.length);
        if (!filename) return err('invalid_arguments', { detail: 'filename is required' });
        if (!Number.isInteger(length) || length <= 0) return err('invalid_arguments', { detail: 'length must be a positive integer' });
        this.fileSeq += 1;
        const id = `F${String(this.fileSeq).padStart(8, '0')}`;
        const file: UploadedFile = { id, name: filename, title: filename, length, mimetype: mimetypeOf(filename), bytes: null, channel: null, completed: false };
        if (typeof args.alt_text === 'string') file.alt_text = args.alt_text;
        this.files.set(id, file);
        return ok({ upload_url: `${this.origin}/upload/v1/${id}`, file_id: id });
      },

      // Step 3: the uploaded files become real, shared into channel_id (one message, initial_comment as its text).
      'files.completeUploadExternal': (args) => {
        const list = asArray(args.files);
        if (list.length === 0) return err('invalid_arguments', { detail: 'files is required' });
        const files: UploadedFile[] = [];
        for (const entry of list) {
          const file = entry && typeof entry.id === 'string' ? this.files.get(entry.id) : undefined;
          if (!file || file.completed) return err('file_not_found');
          // Slack refuses a file whose bytes never arrived or do not match the announced length.
          if (!file.bytes || file.bytes.length !== file.length) return err('file_upload_size_mismatch');
          files.push(file);
        }
        const channelArg = args.channel_id ? String(args.channel_id) : null;
        const channel = channelArg ? this.resolveChannel(channelArg) : null;
        const threadTs = args.thread_ts ? String(args.thread_ts) : undefined;
        if (channel && threadTs && !this.findMessage(channel, threadTs)) return err('thread_not_found');
        list.forEach((entry, i) => {
          files[i].completed = true;
          files[i].channel = channel;
          if (typeof entry.title === 'string' && entry.title) files[i].title = entry.title;
        });
        const shared = files.map((f) => this.sharedFile(f));
        if (channel) {
          const msg: StoredMessage = { ts: this.nextTs(), channel, text: typeof args.initial_comment === 'string' ? args.initial_comment : '', blocks: asArray(args.blocks), updates: 0, files: shared };
          if (threadTs) msg.thread_ts = threadTs;
          const messages = this.channels.get(channel) ?? [];
          messages.push(msg);
          this.channels.set(channel, messages);
        }
        return ok({ files: shared.map((f) => ({ id: f.id, title: f.title, name: f.name, mimetype: f.mimetype, url_private: f.url_private })) });
      },

      'functions.completeSuccess': (args) =>
        args.function_execution_id ? ok() : err('invalid_arguments'),
      'functions.completeError': (args) =>
        args.function_execution_id ? ok() : err('invalid_arguments'),
    };
  }
}
