import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiTokenConfig } from '../../src/config/workflow-schema';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';

const TOKEN = 'shop-token-0123456789abcdefghijklmnop';
const OTHER = 'erp-token-0123456789abcdefghijklmnopq';
let h: Harness;
let base: string;
beforeEach(async () => {
  h = await startHarness({ workflow: (w) => ({ ...w, api: { ...w.api, tokens: [{ name: 'shop', token: TOKEN, read: 'own' as const }] } }) });
  base = h.sim.url.replace('/slack/events', '');
});
afterEach(async () => {
  await h.close();
});

const order = (overrides: Record<string, unknown> = {}) => ({
  type: 'order-to-ops',
  requester: 'U0SALES1',
  fields: { order_id: 'SO-4242', customer: 'ACME GmbH', ship_by: '2026-12-01', priority: 'Urgent', quantity: 3, ...overrides },
});
const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  fetch(`${base}/api/handoffs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('POST /api/handoffs', () => {
  it('creates, posts and owns a handoff like the form does', async () => {
    const res = await post(order());
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ ok: true, handoff: { id: 1, type: 'order-to-ops', state: 'open', requester: 'U0SALES1', owner: 'U0SALES1', toTeam: 'ops' } });
    expect(body.handoff.fields).toEqual({ order_id: 'SO-4242', customer: 'ACME GmbH', ship_by: '2026-12-01', priority: 'Urgent', quantity: 3 });
    await h.settle();
    expect(JSON.stringify(h.fake.messages('C0OPS')[0].blocks)).toContain('SO-4242');
    expect((await h.app.repo.listEvents(1))[0].data).toEqual({ via: 'api:shop' });
  });

  it('answers validation errors by field, and creates nothing', async () => {
    const res = await post(order({ order_id: 'nope', priority: 'Sometime', customer: '  ' }));
    expect(res.status).toBe(422);
    const body = (await res.json()) as any;
    expect(body.error).toBe('validation');
    expect(Object.keys(body.errors).sort()).toEqual(['customer', 'order_id', 'priority']);
    const nested = await post(order({ notes: { nested: true } }));
    expect(nested.status).toBe(422);
    expect(((await nested.json()) as any).errors).toEqual({ notes: 'Expected a string, a number, or a list of strings.' });
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it('refuses a duplicate of an open unique value, naming the existing handoff', async () => {
    await post(order());
    await h.settle();
    const res = await post(order({ customer: 'Someone else' }));
    expect(res.status).toBe(409);
    const body = (await res.json()) as any;
    expect(body.errors.order_id).toContain('#1');
    expect(await h.app.repo.findById(2)).toBeNull();
  });

  it('replays an Idempotency-Key instead of creating twice', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'order-4242' };
    const first = await post(order(), headers);
    const again = await post(order(), headers);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(((await again.json()) as any).handoff.id).toBe(1);
    expect(await h.app.repo.findById(2)).toBeNull();
  });

  it.each(['__proto__', 'constructor', 'toString', 'valueOf'])('422 for type %s, which is no configured type', async (type) => {
    const res = await post({ ...order(), type });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unknown_type', message: expect.stringContaining(`There is no handoff type "${type}"`) });
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it('ignores a field named __proto__ like any unknown field', async () => {
    const res = await post('{"type":"order-to-ops","requester":"U0SALES1","fields":{"order_id":"SO-4242","customer":"ACME","ship_by":"2026-12-01","priority":"Urgent","__proto__":["x"]}}');
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).handoff.fields).toEqual({ order_id: 'SO-4242', customer: 'ACME', ship_by: '2026-12-01', priority: 'Urgent' });
  });

  it('refuses an Idempotency-Key reused with a different body, creating nothing and leaving the first as it was', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'order-4242' };
    expect((await post(order(), headers)).status).toBe(201);
    const other = await post(order({ order_id: 'SO-9999', customer: 'Other Ltd' }), headers);
    expect(other.status).toBe(422);
    expect(await other.json()).toEqual({
      ok: false,
      error: 'idempotency_key_reused',
      message: 'The Idempotency-Key "order-4242" was already used for handoff #1 with a different request body. Use a new key for a new request.',
    });
    expect(await h.app.repo.findById(2)).toBeNull();
    expect((await h.app.repo.findById(1))?.fields.order_id).toBe('SO-4242');
    // The same body in another key order and spacing is the same request: replayed.
    const same = order();
    const reordered = JSON.stringify({ fields: Object.fromEntries(Object.entries(same.fields).reverse()), requester: same.requester, type: same.type }, null, 2);
    const replay = await post(reordered, headers);
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as any).handoff.id).toBe(1);
  });

  it('keeps Idempotency-Keys of different API keys apart', async () => {
    await h.close();
    h = await startHarness({ workflow: (w) => ({ ...w, api: { ...w.api, tokens: [{ name: 'shop', token: TOKEN, read: 'own' as const }, { name: 'erp', token: OTHER, read: 'own' as const }] } }) });
    base = h.sim.url.replace('/slack/events', '');
    const first = await post(order(), { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'k1' });
    const second = await post(order({ order_id: 'SO-5555' }), { authorization: `Bearer ${OTHER}`, 'idempotency-key': 'k1' });
    expect([first.status, second.status]).toEqual([201, 201]);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token-0123456789abcdef' }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('401 with %s, nothing created', async (_name, headers) => {
    const res = await post(order(), headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it('413 for an oversized body, 400 for bad JSON or a wrong shape, 403 for a requester who may not start the type', async () => {
    const big = await post(order({ notes: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect((await post('{"type":')).status).toBe(400);
    const shape = await post({ type: 'order-to-ops', requester: 'alice' });
    expect(shape.status).toBe(400);
    expect(((await shape.json()) as any).details).toEqual([expect.stringContaining('requester')]);
    const forbidden = await post({ ...order(), requester: 'U0OPS1' });
    expect(forbidden.status).toBe(403);
    const unknown = await post({ ...order(), type: 'nope' });
    expect(unknown.status).toBe(422);
    expect(await h.app.repo.findById(1)).toBeNull();
  });
});

describe('GET /api/handoffs/:id', () => {
  it('returns the state and the history', async () => {
    await post(order());
    await h.settle();
    await h.sim.blockAction({ userId: 'U0OPS1', actionId: 'handoff_accept', value: '1', channelId: 'C0OPS', messageTs: h.fake.messages('C0OPS')[0].ts });
    await h.settle();
    const res = await fetch(`${base}/api/handoffs/1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.handoff).toMatchObject({ id: 1, state: 'accepted', owner: 'U0OPS1', url: expect.stringContaining('https://fake.slack.test/archives/C0OPS/') });
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(['created', 'accepted']);
    expect((await fetch(`${base}/api/handoffs/99`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${base}/api/handoffs/1`)).status).toBe(401);
  });
});

describe('API keys are scoped', () => {
  const ADMIN = 'admin-token-0123456789abcdefghij';
  const restart = async (tokens: ApiTokenConfig[]) => {
    await h.close();
    h = await startHarness({ workflow: (w) => ({ ...w, api: { ...w.api, tokens } }) });
    base = h.sim.url.replace('/slack/events', '');
  };
  const get = (id: number, token: string) => fetch(`${base}/api/handoffs/${id}`, { headers: { authorization: `Bearer ${token}` } });

  it('a key with types creates only those (403 for any other, known or not), and nothing is stored', async () => {
    await restart([{ name: 'helpdesk', token: TOKEN, types: ['anything-to-ops'], read: 'own' }]);
    for (const type of ['order-to-ops', 'nope', 'constructor']) {
      const res = await post({ ...order(), type });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        ok: false,
        error: 'type_not_allowed',
        message: `The API key "helpdesk" may not create "${type}" handoffs; it may create "anything-to-ops".`,
      });
    }
    expect(await h.app.repo.findById(1)).toBeNull();
    const allowed = await post({ type: 'anything-to-ops', requester: 'U0SALES1', fields: { request: 'Call the customer back' } });
    expect(allowed.status).toBe(201);
  });

  it('a key reads only the handoffs it created; another key or a Slack-made one is 404, the same as a missing id', async () => {
    await restart([
      { name: 'shop', token: TOKEN, read: 'own' },
      { name: 'erp', token: OTHER, read: 'own' },
      { name: 'admin', token: ADMIN, read: 'all' },
    ]);
    expect((await post(order())).status).toBe(201); // #1, by shop
    await submitOrder(h, { order_id: 'SO-5555' }); // #2, from the Slack form
    const missing = { ok: false, error: 'not_found' };
    const erp1 = await get(1, OTHER);
    expect(erp1.status).toBe(404);
    expect(await erp1.json()).toEqual({ ...missing, message: 'There is no handoff #1 that the API key "erp" may read.' });
    const shop2 = await get(2, TOKEN);
    expect(shop2.status).toBe(404);
    expect(await shop2.json()).toEqual({ ...missing, message: 'There is no handoff #2 that the API key "shop" may read.' });
    const shop99 = await get(99, TOKEN);
    expect(await shop99.json()).toEqual({ ...missing, message: 'There is no handoff #99 that the API key "shop" may read.' });

    const own = await get(1, TOKEN);
    expect(own.status).toBe(200);
    expect(((await own.json()) as any).handoff.id).toBe(1);
    // `read: all` reads every handoff, whoever created it.
    expect(await Promise.all([get(1, ADMIN), get(2, ADMIN)].map(async (r) => (await r).status))).toEqual([200, 200]);
  });
});
