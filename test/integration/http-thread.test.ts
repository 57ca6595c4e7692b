import { afterEach, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/slack/ids';
import { capturingLogger, commandReply, type Harness, orderValues, SIGNING_SECRET, startHarness, submitOrder } from '../helpers/harness';
import { waitUntil } from '../helpers/child-bot';
import { signedHeaders } from '../helpers/slack-requests';

// The HTTP thread as `npm start` runs it (lifecycle.test.ts runs the whole lifecycle through it too).
let h: Harness;
afterEach(async () => {
  await h?.close();
});

const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
const base = () => h.sim.url.replace(/\/slack\/events$/, '');

describe('the HTTP thread', () => {
  it('acks a command at once and posts what the app answers to its response_url, as the ack would have shown it', async () => {
    const inThread = await startHarness();
    const acked = await inThread.sim.slashCommand({ userId: 'U0SALES1', text: 'help' });
    await inThread.close();
    h = await startHarness({ httpThread: true });

    const res = await h.sim.slashCommand({ userId: 'U0SALES1', text: 'help', channelId: 'C0SALES' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const reply = await commandReply(h, res);
    expect(reply).toEqual(acked.json);
    // Slack shows a response_url answer like an ephemeral ack: to that person, in that channel.
    expect(h.fake.ephemerals).toEqual([expect.objectContaining({ user: 'U0SALES1', channel: 'C0SALES', text: acked.json.text })]);
  });

  it('waits for the app where the answer is the app’s: field errors, and a submission is stored before its ack', async () => {
    h = await startHarness({ httpThread: true });
    const bad = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: 'handoff_form', privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }), values: {} });
    expect(bad.json.response_action).toBe('errors');

    const ok = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: 'handoff_form', privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }), values: orderValues() });
    expect([ok.status, ok.body]).toEqual([200, '']);
    // No settle: the ack itself means stored.
    expect(h.app.repo.findById(1)?.state).toBe('open');
  });

  it('refuses unsigned (401) and malformed (400) requests itself, and logs why', async () => {
    const lines: string[] = [];
    h = await startHarness({ httpThread: true, logger: capturingLogger(lines) });
    const click = form({ type: 'block_actions', user: { id: 'U0OPS1' }, actions: [{ action_id: ActionId.accept, value: '1' }] });
    const unsigned = await h.sim.raw(click, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=00' });
    const stale = await h.sim.raw(click, signedHeaders(SIGNING_SECRET, click, 'application/x-www-form-urlencoded', Math.floor(Date.now() / 1000) - 6 * 60));
    const bodyless = form({ type: 'block_actions', user: { id: 'U0OPS1' } });
    const malformed = await h.sim.raw(bodyless, signedHeaders(SIGNING_SECRET, bodyless, 'application/x-www-form-urlencoded'));
    // Slack's SSL check needs no signature; whatever else it carries is dropped.
    const sslCheck = await h.sim.raw(`ssl_check=1&${click}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect([unsigned.status, stale.status, malformed.status, sslCheck.status]).toEqual([401, 401, 400, 200]);
    await h.settle();
    expect(h.fake.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(lines).toEqual(expect.arrayContaining(['rejected a request without a valid Slack signature', expect.stringContaining('rejected a request: malformed Slack payload: actions')]));
  });

  it('passes our routes to the app: /healthz, the API, 404, 405 and 413', async () => {
    h = await startHarness({ httpThread: true });
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'writable', outbox: { pending: 0, oldestAgeSeconds: null }, requests: { acknowledgingFirst: true, waiting: 0, handling: 0 } });
    expect((await fetch(`${base()}/nowhere`)).status).toBe(404);
    const get = await fetch(`${base()}/slack/events`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    // The thread reads up to Slack's 4 MB; a route's own smaller limit is applied by the app.
    const big = await fetch(`${base()}/api/handoffs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ notes: 'x'.repeat(70 * 1024) }) });
    expect([big.status, await big.json()]).toEqual([413, { ok: false, error: 'payload_too_large' }]);
    const api = await fetch(`${base()}/api/handoffs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(401);
  });

  it('settle() sees clicks whose ack came back before the app had them', async () => {
    h = await startHarness({ httpThread: true });
    await submitOrder(h);
    const [post] = h.fake.messages('C0OPS');
    const res = await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.accept, value: '1', channelId: 'C0OPS', messageTs: post.ts });
    expect([res.status, res.body]).toEqual([200, '']);
    await h.settle();
    expect(h.app.repo.findById(1)?.state).toBe('accepted');
    expect(JSON.stringify(h.fake.messages('C0OPS')[0].blocks)).toContain('<@U0OPS1>');
  });

  it('a response_url that keeps failing is tried twice and logged; nothing else is held up', async () => {
    const lines: string[] = [];
    h = await startHarness({ httpThread: true, logger: capturingLogger(lines) });
    h.fake.fail('response_url', { status: 503 });
    h.fake.fail('response_url', { status: 503 });
    const res = await h.sim.slashCommand({ userId: 'U0SALES1', text: 'help' });
    expect(res.status).toBe(200);
    await h.settle();
    expect(h.fake.callsTo('response_url').map((c) => c.status)).toEqual([503, 503]);
    expect(lines).toContain('could not post an answer to the response_url: HTTP 503');
    expect(h.fake.ephemerals).toEqual([]);
  });

  it('stops acknowledging first while the app is behind, and starts again once it has caught up', async () => {
    const lines: string[] = [];
    // No acknowledged request may stay unfinished: the first one puts the thread into waiting for the app.
    h = await startHarness({ httpThread: { unfinished: 0 }, logger: capturingLogger(lines) });
    h.fake.fail('views.open', { delayMs: 1000 });
    const first = await h.sim.slashCommand({ userId: 'U0SALES1', text: 'order-to-ops' });
    expect([first.status, first.body]).toEqual([200, '']);
    await waitUntil(() => lines.some((l) => l.startsWith('falling behind')), { what: 'the main thread to say it is behind', timeoutMs: 5000, intervalMs: 5 });
    // An operator sees it too (the first command is still being handled: its modal takes Slack a second).
    const health = await fetch(`${base()}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, expect.objectContaining({ status: 'degraded', requests: { acknowledgingFirst: false, waiting: 0, handling: 1 } })]);
    const during = await h.sim.slashCommand({ userId: 'U0SALES1', text: 'help' });
    // The app's own ack: the answer is in it, nothing goes to a response_url.
    expect(during.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('order-to-ops') });
    await h.settle();
    expect(lines).toContain('caught up: acknowledging commands and clicks at once again');
    expect(h.fake.callsTo('views.open')).toHaveLength(1);
    const after = await h.sim.slashCommand({ userId: 'U0SALES1', text: 'help' });
    expect([after.status, after.body]).toEqual([200, '']);
    expect((await commandReply(h, after)).text).toBe(during.json.text);
  });

  it('comes back on the same port when the thread dies', async () => {
    const lines: string[] = [];
    h = await startHarness({ httpThread: true, logger: capturingLogger(lines) });
    await h.app.slack.httpThread?.crashForTest();
    await waitUntil(async () => (await fetch(`${base()}/healthz`).catch(() => null))?.status === 200, { what: 'the HTTP thread to listen again', timeoutMs: 10_000, intervalMs: 20 });
    expect(lines).toContain('HTTP thread exited (code 1)');
    expect((await submitOrder(h)).status).toBe(200);
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
  });

  it('stops: the port closes, a keep-alive connection does not hold it open', async () => {
    h = await startHarness({ httpThread: true });
    expect((await submitOrder(h)).status).toBe(200);
    const url = `${base()}/healthz`;
    const harness = h;
    h = undefined as unknown as Harness;
    await harness.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
