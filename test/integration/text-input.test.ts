import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';

const TOKEN = 'shop-token-0123456789abcdefghijklmnop';
// Control characters other than tab and newline, and UTF-16 halves without their pair.
// eslint-disable-next-line no-control-regex
const UNSENDABLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Everything the bot sent Slack, as the text of its JSON arguments. */
const sentToSlack = (h: Harness) => h.fake.calls.map((c) => JSON.stringify(c.args)).join('\n');
/** The same, with JSON's escapes decoded, so a `\u0000` counts as the character it stands for. */
const sentDecoded = (h: Harness) => h.fake.calls.map((c) => Object.values(c.args).map((v) => (typeof v === 'string' ? v : JSON.stringify(v).replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex) => String.fromCharCode(parseInt(hex, 16))))).join('\n')).join('\n');

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('text Slack would refuse never gets in', () => {
  it('a form submitted with NUL, escape and bell characters, a carriage return and half an emoji is stored and posted clean', async () => {
    h = await startHarness();
    const res = await submitOrder(h, { customer: 'ACME\u0000 GmbH\u001b[31m', notes: 'Line one\r\nLine two\tend\u0007 \uD83D here' });
    expect(res.status).toBe(200);
    const [stored] = await h.app.repo.listByState(['open']);
    expect(stored.fields.customer).toBe('ACME GmbH[31m');
    expect(stored.fields.notes).toBe('Line one\nLine two\tend \uFFFD here');
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(sentDecoded(h)).not.toMatch(UNSENDABLE);
    expect(sentToSlack(h)).toContain('ACME GmbH');
    expect((await h.app.outboxRepo.backlog()).pending).toBe(0);
  });

  it('an API request with the same text creates the handoff with it cleaned', async () => {
    h = await startHarness({ workflow: (w) => ({ ...w, api: { ...w.api, tokens: [{ name: 'shop', token: TOKEN, read: 'own' as const }] } }) });
    const base = h.sim.url.replace('/slack/events', '');
    // Written by hand: JSON.stringify would turn the lone surrogate into an escape anyway, as a client might not.
    const body = `{"type":"order-to-ops","requester":"U0SALES1","fields":{"order_id":"SO-4242","customer":"ACME\\u0000 GmbH\\u0085","ship_by":"2026-12-01","priority":"Urgent","notes":"a\\ud800b\\r\\nc"}}`;
    const res = await fetch(`${base}/api/handoffs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
    expect(res.status).toBe(201);
    const json = (await res.json()) as any;
    expect(json.handoff.fields).toMatchObject({ customer: 'ACME GmbH', notes: 'a\uFFFDb\nc' });
    await h.settle();
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(sentDecoded(h)).not.toMatch(UNSENDABLE);
    expect((await h.app.outboxRepo.backlog()).pending).toBe(0);
  });

  it('a required field of nothing but control characters is still missing', async () => {
    h = await startHarness();
    const res = await submitOrder(h, { customer: '\u0000\u0001 \u0002' });
    expect(res.json).toMatchObject({ response_action: 'errors' });
    expect(Object.values(res.json.errors)).toContain('This field is required.');
    expect(await h.app.repo.listByState(['open'])).toHaveLength(0);
  });
});
