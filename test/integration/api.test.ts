import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness';

const TOKEN = 'shop-token-0123456789abcdefghijklmnop';
let h: Harness;
let base: string;
beforeEach(async () => {
  h = await startHarness({ workflow: (w) => ({ ...w, api: { tokens: [{ name: 'shop', token: TOKEN }] } }) });
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
    expect(h.app.repo.listEvents(1)[0].data).toEqual({ via: 'api:shop' });
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
    expect(h.app.repo.findById(1)).toBeNull();
  });

  it('refuses a duplicate of an open unique value, naming the existing handoff', async () => {
    await post(order());
    await h.settle();
    const res = await post(order({ customer: 'Someone else' }));
    expect(res.status).toBe(409);
    const body = (await res.json()) as any;
    expect(body.errors.order_id).toContain('#1');
    expect(h.app.repo.findById(2)).toBeNull();
  });

  it('replays an Idempotency-Key instead of creating twice', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'order-4242' };
    const first = await post(order(), headers);
    const again = await post(order(), headers);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(((await again.json()) as any).handoff.id).toBe(1);
    expect(h.app.repo.findById(2)).toBeNull();
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token-0123456789abcdef' }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('401 with %s, nothing created', async (_name, headers) => {
    const res = await post(order(), headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(h.app.repo.findById(1)).toBeNull();
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
    expect(h.app.repo.findById(1)).toBeNull();
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
