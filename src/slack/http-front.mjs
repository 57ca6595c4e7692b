// The HTTP front of the bot: reading a request, checking one to /slack/events before anything acts on
// it (the signature, the body's shape), deciding whether it may be acknowledged before the app has
// handled it, and writing an answer. Plain JavaScript with no dependencies, because both threads use
// it: the HTTP thread (http-worker.mjs) under `npm start`, the main thread (http-server.ts) when it
// serves HTTP itself (tests, the sandbox).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

/** Slack's own request bodies are far below this; anything larger is not from Slack. */
export const SLACK_BODY_LIMIT = 4 * 1024 * 1024;

export class TooLarge extends Error {}

/** The answer to a body over its limit; the connection is closed, since the rest of the body was not read. */
export const TOO_LARGE = Object.freeze({ status: 413, body: { ok: false, error: 'payload_too_large' }, headers: { connection: 'close' } });

/** The body, or TooLarge as soon as it is longer than `limit` bytes (declared or read). */
export function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new TooLarge());
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
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

/** Writes `{ status, body?, headers? }`: a string body as it is, anything else as JSON. */
export function writeAnswer(res, answer) {
  const text = answer.body === undefined || answer.body === '' ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type = text && typeof answer.body !== 'string' ? { 'content-type': 'application/json; charset=utf-8' } : {};
  res.writeHead(answer.status, { ...type, 'cache-control': 'no-store', ...answer.headers });
  res.end(text);
}

/** Slack's limit: a signed request older (or newer) than this is a replay. */
const MAX_SKEW_SECONDS = 5 * 60;

/** A request Slack signed but whose shape we cannot act on; answered with 400 instead of a crash or a 3-second timeout. */
export class MalformedPayloadError extends Error {
  constructor(problems) {
    super(`malformed Slack payload: ${problems}`);
    this.name = 'MalformedPayloadError';
    this.problems = problems;
  }
}

const header = (headers, name) => {
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined;
};

/** Slack's v0 signature of a body: `v0=` and the HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function signature(signingSecret, timestamp, rawBody) {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** True when the request carries a valid v0 signature made within 5 minutes of now. */
export function verifySignature(signingSecret, rawBody, headers, nowMs = Date.now()) {
  const signed = header(headers, 'x-slack-signature');
  const timestamp = Number(header(headers, 'x-slack-request-timestamp'));
  if (!signed || !Number.isInteger(timestamp) || Math.abs(nowMs / 1000 - timestamp) > MAX_SKEW_SECONDS) return false;
  const expected = Buffer.from(signature(signingSecret, timestamp, rawBody));
  const given = Buffer.from(signed);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The body as Bolt reads it: with exactly `application/x-www-form-urlencoded` a form, whose `payload`
 * field is JSON for interactions (a slash command is the plain form); with any other type, JSON.
 */
export function parseSlackBody(rawBody, contentType) {
  if (contentType !== 'application/x-www-form-urlencoded') return JSON.parse(rawBody);
  const form = parseQuery(rawBody);
  return typeof form.payload === 'string' ? JSON.parse(form.payload) : form;
}

// Only what the listeners rely on; Slack adds fields freely, so everything else passes through.
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v) => typeof v === 'string' && v.length > 0;
const userId = (b) => (isObject(b.user) && nonEmpty(b.user.id) ? [] : ['user.id: expected a non-empty string']);
const string = (v, path, min = 0) => (typeof v === 'string' && v.length >= min ? [] : [`${path}: expected ${min ? 'a non-empty' : 'a'} string`]);
const envelopes = {
  block_actions: (b) => [
    ...userId(b),
    ...(Array.isArray(b.actions) && b.actions.length > 0 ? b.actions.flatMap((a, i) => (isObject(a) ? string(a.action_id, `actions.${i}.action_id`, 1) : [`actions.${i}: expected an object`])) : ['actions: expected a non-empty array']),
  ],
  view_submission: (b) => [
    ...userId(b),
    ...(isObject(b.view)
      ? [...string(b.view.id, 'view.id', 1), ...string(b.view.callback_id, 'view.callback_id'), ...(isObject(b.view.state) && isObject(b.view.state.values) ? [] : ['view.state.values: expected an object'])]
      : ['view: expected an object']),
  ],
  view_closed: (b) => [...userId(b), ...(isObject(b.view) ? string(b.view.callback_id, 'view.callback_id') : ['view: expected an object'])],
  shortcut: (b) => [...userId(b), ...string(b.callback_id, 'callback_id', 1), ...string(b.trigger_id, 'trigger_id', 1)],
  message_action: (b) => [...userId(b), ...string(b.callback_id, 'callback_id', 1), ...string(b.trigger_id, 'trigger_id', 1)],
  event_callback: (b) => [...string(b.event_id, 'event_id', 1), ...(isObject(b.event) ? string(b.event.type, 'event.type', 1) : ['event: expected an object'])],
};
const command = (b) => [...string(b.command, 'command', 1), ...string(b.user_id, 'user_id', 1), ...string(b.trigger_id, 'trigger_id', 1), ...string(b.text, 'text')];

/** Throws MalformedPayloadError when a body lacks what its type promises. */
export function checkEnvelope(body) {
  if (!isObject(body)) throw new MalformedPayloadError('not an object');
  const check = typeof body.command === 'string' ? command : envelopes[String(body.type)];
  if (!check) return; // a type we do not listen for: Bolt ignores it
  const problems = check(body);
  if (problems.length > 0) throw new MalformedPayloadError(problems.join('; '));
}

/**
 * Requests whose answer is an empty 200 whatever the app then does with them: slash commands (an
 * answer the app puts in its ack goes to the command's response_url instead), button clicks,
 * shortcuts, closed modals and events. A modal submission (its answer may be field errors), an
 * options request and Slack's checks wait for the app.
 */
export function acksFirst(body) {
  if (typeof body.command === 'string') return true;
  return ['block_actions', 'shortcut', 'message_action', 'view_closed', 'event_callback'].includes(body.type);
}

/**
 * Everything checked before the app sees a request: `unsigned` (answer 401), `malformed` (400), or
 * `ok` with the parsed body and the text to hand on (`raw`: the body as it came, except for an SSL check). Slack's URL verification is signed like everything else; its SSL check
 * may come unsigned and is then answered without anything else it carries.
 */
export function checkSlackRequest(signingSecret, rawBody, headers, nowMs = Date.now()) {
  if (!verifySignature(signingSecret, rawBody, headers, nowMs)) {
    // Slack's SSL check of a slash command's URL needs no signature; only the check itself goes on (as in Bolt).
    if (header(headers, 'content-type') === 'application/x-www-form-urlencoded' && parseQuery(rawBody).ssl_check === '1') return { verdict: 'ok', body: { ssl_check: '1' }, raw: 'ssl_check=1' };
    return { verdict: 'unsigned', problem: 'rejected a request without a valid Slack signature' };
  }
  let body;
  try {
    body = parseSlackBody(rawBody, header(headers, 'content-type'));
    if (!isObject(body)) throw new MalformedPayloadError('not an object');
    if (body.ssl_check === undefined && body.type !== 'url_verification') {
      if (typeof body.command !== 'string' && typeof body.type !== 'string') throw new MalformedPayloadError('no type');
      checkEnvelope(body);
    }
  } catch (error) {
    return { verdict: 'malformed', problem: `rejected a request: ${error.message}` };
  }
  return { verdict: 'ok', body, raw: rawBody };
}
