import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockId } from '../../src/slack/ids';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

// Slack payloads are open-ended JSON
type Json = any;

const AVA = 'U0SALES01'; // sales
const EXAMPLE_TOKEN = 'replace-with-a-random-token-of-32-chars-or-more';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t?.close();
});

/** A request with a Host header of our choosing (fetch always sends the URL's). */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const { port } = new URL(t.base);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Whether a TCP connection to `host:port` is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > end) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the sandbox stays on this machine', () => {
  it('answers only the Host names it is reached by here: another name (DNS rebinding) gets 403', async () => {
    const port = new URL(t.base).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) expect((await raw('/sandbox/people', { headers: { host } })).status, host).toBe(200);
    for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1.attacker.example:${port}`, `localhost:${Number(port) + 1}`]) {
      expect((await raw('/', { headers: { host } })).status, host).toBe(403);
      expect((await raw(`/sandbox/state?as=${AVA}`, { headers: { host } })).status, host).toBe(403);
    }
  });

  it('refuses a POST without the page own Origin, before doing anything', async () => {
    const port = new URL(t.base).port;
    const body = JSON.stringify({ as: AVA, channel: 'C0GENERAL', text: 'from elsewhere' });
    const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/json' };
    expect((await raw('/sandbox/type', { method: 'POST', headers, body })).status).toBe(403);
    expect((await raw('/sandbox/type', { method: 'POST', headers: { ...headers, origin: 'http://attacker.example' }, body })).status).toBe(403);
    expect((await raw('/sandbox/type', { method: 'POST', headers: { ...headers, origin: `http://127.0.0.1:${port}.attacker.example` }, body })).status).toBe(403);
    expect((await raw('/sandbox/type', { method: 'POST', headers: { ...headers, origin: 'null' }, body })).status).toBe(403);
    expect((await t.state(AVA)).conversations.C0GENERAL.messages).toEqual([]);
    const own = await raw('/sandbox/type', { method: 'POST', headers: { ...headers, origin: `http://localhost:${port}` }, body });
    expect(own.status).toBe(200);
    expect((await t.state(AVA)).conversations.C0GENERAL.messages.map((m: Json) => m.text)).toEqual(['from elsewhere']);
  });

  it('answers 404, not a crash, for endpoints named after built-in properties', async () => {
    for (const kind of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const res = await fetch(`${t.base}/sandbox/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: t.base }, body: JSON.stringify({ as: AVA }) });
      expect(res.status, kind).toBe(404);
    }
    const api = await fetch(`${t.sandbox.fake.apiUrl}constructor`, { method: 'POST', headers: { authorization: 'Bearer xoxb-x' } });
    expect(await api.json()).toMatchObject({ ok: false, error: 'unknown_method' });
    const group = await fetch(`${t.sandbox.fake.apiUrl}usergroups.users.list`, { method: 'POST', headers: { authorization: 'Bearer xoxb-x', 'content-type': 'application/json' }, body: JSON.stringify({ usergroup: 'constructor' }) });
    expect(await group.json()).toMatchObject({ ok: false, error: 'no_such_subteam' });
  });

  it('listens for the emulator on the loopback interface only', async () => {
    const port = Number(new URL(t.sandbox.botUrl).port);
    expect(await reachable('127.0.0.1', port)).toBe(true);
    // Every other address of this machine: the IPv6 loopback and the network interfaces.
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.address !== '127.0.0.1' && !i.address.startsWith('fe80'))
      .map((i) => i!.address);
    expect(others.length).toBeGreaterThan(0);
    for (const address of others) expect(await reachable(address, port), address).toBe(false);
  });

  it("does not take the example's API token; the token it made up for this run works", async () => {
    const api = t.sandbox.botUrl.replace(/\/slack\/events$/, '/api/handoffs/1');
    expect((await fetch(api, { headers: { authorization: `Bearer ${EXAMPLE_TOKEN}` } })).status).toBe(401);
    const [own] = t.sandbox.workflow.api.tokens;
    expect(own.name).toBe('shop');
    expect(own.token).not.toBe(EXAMPLE_TOKEN);
    expect(own.token.length).toBeGreaterThanOrEqual(32);
    expect((await fetch(api, { headers: { authorization: `Bearer ${own.token}` } })).status).toBe(404);
  });

  it('keeps webhook deliveries on the page instead of sending them to the configured host', async () => {
    expect(t.sandbox.workflow.webhooks.map((w) => new URL(w.url).hostname)).toEqual(['127.0.0.1']);
    await t.post('type', { as: AVA, channel: 'C0GENERAL', text: '/handoff order-to-ops' });
    const form = await until(async () => (await t.state(AVA)).modals.at(-1));
    await t.post('submit', {
      as: AVA,
      viewId: form.view.id,
      values: {
        [BlockId.field('order_id')]: { value: { type: 'plain_text_input', value: 'SO-55555' } },
        [BlockId.field('customer')]: { value: { type: 'plain_text_input', value: 'Acme GmbH' } },
        [BlockId.field('ship_by')]: { value: { type: 'datepicker', selected_date: '2026-12-01' } },
        [BlockId.field('priority')]: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Low' }, value: 'Low' } } },
      },
    });
    const state = await until(async () => {
      const s = await t.state(AVA);
      return s.webhookDeliveries.length > 0 && s;
    });
    expect(state.webhooks).toEqual([{ url: 'https://hooks.example.com/handoff', events: ['created', 'accepted', 'returned', 'done'] }]);
    expect(state.webhookDeliveries[0]).toMatchObject({ hook: 0, event: 'created', url: 'https://hooks.example.com/handoff', body: { event: { type: 'created' }, handoff: { id: 1 } } });
    expect(state.webhookDeliveries[0].signature).toMatch(/^v1=[0-9a-f]{64}$/);
    await t.sandbox.bot.settle();
    expect((await t.sandbox.bot.outboxRepo.webhookStatus()).map((r) => [new URL(r.url).hostname, r.failing, r.delivered])).toEqual([['127.0.0.1', 0, 1]]);
  });
});
