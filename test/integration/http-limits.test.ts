/**
 * What an attacker on the network can do to the bot's port, and the limits that stop it: bodies read
 * only for a valid key and only up to the route's limit, slow clients timed out, guessing and floods
 * answered 429 with Retry-After, one API key unable to queue work for everyone, and refusals logged
 * once per interval.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { capturingLogger, type Harness, startHarness } from '../helpers/harness';

const TOKEN = 'shop-token-0123456789abcdefghijklmnopq';
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const base = () => (h as Harness).sim.url.replace('/slack/events', '');
const withToken = (more: Record<string, unknown> = {}) => (w: Harness['workflow']) => ({ ...w, api: { ...w.api, ...more, tokens: [{ name: 'shop', token: TOKEN, read: 'own' as const }] } });

/** POSTs `size` bytes in 64 KiB chunks; resolves with the status, or 'closed' when the server hung up before answering. */
function postLarge(path: string, size: number, headers: Record<string, string> = {}, declareLength = true): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const url = new URL(path, base());
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(size) } : {}), ...headers } });
    let settled = false;
    const done = (v: number | 'closed') => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    req.on('response', (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done('closed'));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < size && !settled) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const order = { type: 'order-to-ops', requester: 'U0SALES1', fields: { order_id: 'SO-4242', customer: 'ACME', ship_by: '2026-12-01', priority: 'Urgent' } };
const create = (orderId: string, token = TOKEN) =>
  fetch(`${base()}/api/handoffs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...order, fields: { ...order.fields, order_id: orderId } }),
  });

describe('request bodies', () => {
  it('are not read without a valid key: 40 parallel 4 MB posts cost no memory, and guessing turns into 429', async () => {
    h = await startHarness({ workflow: withToken() });
    global.gc?.();
    const before = process.memoryUsage().rss;
    const statuses = await Promise.all(Array.from({ length: 40 }, () => postLarge('/api/handoffs', 4 * 1024 * 1024, { authorization: 'Bearer wrong-guess' })));
    const grown = process.memoryUsage().rss - before;
    // Each refusal comes before the body: nothing near 40 × 4 MB (160 MB) was read (loosely: under half of it,
    // since this process is also the client, on a machine that may be busy).
    expect(grown).toBeLessThan(80 * 1024 * 1024);
    const answered = statuses.filter((s) => s !== 'closed');
    expect(answered.length).toBeGreaterThan(0);
    expect(new Set(answered)).toEqual(new Set([401, 429]));
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it('stop being read at the route limit (64 KiB for the API), declared or not', async () => {
    h = await startHarness({ workflow: withToken() });
    expect(await postLarge('/api/handoffs', 1024 * 1024, { authorization: `Bearer ${TOKEN}` })).toBe(413);
    const undeclared = await postLarge('/api/handoffs', 1024 * 1024, { authorization: `Bearer ${TOKEN}` }, false);
    expect([413, 'closed']).toContain(undeclared);
    // Slack's endpoint reads at most 1 MiB (Bolt's bodyLimit): a larger body is no request from Slack.
    expect(await postLarge('/slack/events', 2 * 1024 * 1024, { 'x-slack-signature': 'v0=0', 'x-slack-request-timestamp': '0' })).toBe(413);
  });
});

describe('slow clients', () => {
  it('are cut off after the request timeout, headers or body', async () => {
    h = await startHarness({ httpTimeouts: { requestMs: 1500, headersMs: 1000 } });
    const { port } = new URL(base());
    const stalled = (text: string) =>
      new Promise<{ ms: number; answer: string }>((resolve) => {
        const started = Date.now();
        let answer = '';
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
        socket.on('data', (d) => (answer += d));
        socket.on('close', () => resolve({ ms: Date.now() - started, answer }));
        socket.on('error', () => undefined);
      });
    const [headers, body] = await Promise.all([
      stalled('POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'),
      stalled('POST /api/handoffs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"type":'),
    ]);
    // Node's default would hold both for 300 s.
    expect(headers.ms).toBeLessThan(10_000);
    expect(body.ms).toBeLessThan(10_000);
    expect(headers.answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('rate limits', () => {
  it('refuse an address that keeps guessing keys, with Retry-After', async () => {
    h = await startHarness({ workflow: withToken() });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i += 1) {
      const res = await fetch(`${base()}/api/handoffs/1`, { headers: { authorization: `Bearer guess-${i}` } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // The right key from the same address is refused too for the rest of the minute: that is what stops guessing.
    expect((await fetch(`${base()}/api/handoffs/1`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429);
  });

  it('limit how many handoffs one key creates per minute', async () => {
    h = await startHarness({ workflow: withToken({ createsPerMinute: 3 }) });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await create(`SO-${1000 + i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await create('SO-2000');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ ok: false, error: 'rate_limited' });
  });

  it('stop one key from queueing more Slack messages than its share while Slack is slow', async () => {
    h = await startHarness({ workflow: withToken({ maxQueuedPerToken: 3 }) });
    h.fake.fail('chat.postMessage', { status: 500, times: 1000 });
    expect((await create('SO-3001')).status).toBe(201);
    await h.settle();
    expect((await create('SO-3002')).status).toBe(201);
    await h.settle();
    const full = await create('SO-3003');
    expect(full.status).toBe(429);
    expect(await full.json()).toMatchObject({ error: 'queue_full' });
    // A person's form is not held back by what an API key queued.
    expect(await h.app.repo.findById(3)).toBeNull();
  });
});

describe('refusals in the log', () => {
  it('come once per interval with a count, however many unsigned requests arrive', async () => {
    const lines: string[] = [];
    h = await startHarness({ logger: capturingLogger(lines) });
    const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_home_opened' } });
    const statuses = await Promise.all(Array.from({ length: 50 }, () => h?.sim.raw(body, { 'content-type': 'application/json' }).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([401]));
    const refusals = lines.filter((l) => l.includes('refused a request to /slack/events'));
    expect(refusals).toHaveLength(1);
  });
});
