import { afterEach, describe, expect, it } from 'vitest';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { capturingLogger, commandReply, type Harness, orderValues, startHarness, submitOrder } from '../helpers/harness';
import { signedHeaders } from '../helpers/slack-requests';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
const sendSigned = (body: string, type = 'application/x-www-form-urlencoded') => h.sim.raw(body, signedHeaders('test-signing-secret', body, type));

describe('malformed payloads Slack signed', () => {
  it.each([
    ['block_actions without actions', form({ type: 'block_actions', user: { id: 'U0OPS1' } })],
    ['block_actions with an empty action', form({ type: 'block_actions', user: { id: 'U0OPS1' }, actions: [{}] })],
    ['view_submission without a view', form({ type: 'view_submission', user: { id: 'U0SALES1' } })],
    ['view_submission without state', form({ type: 'view_submission', user: { id: 'U0SALES1' }, view: { id: 'V1', callback_id: 'handoff_form' } })],
    ['shortcut without a trigger', form({ type: 'shortcut', user: { id: 'U0SALES1' }, callback_id: 'start_handoff' })],
    ['not JSON at all', 'payload=%7Bnot-json'],
  ])('%s → 400, nothing stored, nothing sent', async (_name, body) => {
    h = await startHarness();
    const res = await sendSigned(body);
    expect(res.status).toBe(400);
    await h.settle();
    expect(h.fake.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it('a form with garbage in its state gets field errors, not a crash', async () => {
    h = await startHarness();
    const res = await sendSigned(
      form({
        type: 'view_submission',
        user: { id: 'U0SALES1' },
        view: { id: 'V9', callback_id: 'handoff_form', private_metadata: '{"typeKey":"order-to-ops"}', state: { values: { 'field:order_id': { value: { type: 'plain_text_input', value: 42 } }, 'field:ship_by': 'x', junk: null } } },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.json.response_action).toBe('errors');
    expect(Object.keys(res.json.errors).sort()).toEqual(['field:customer', 'field:order_id', 'field:priority', 'field:ship_by']);
  });

  it('a form whose private_metadata was tampered with gets a clear error', async () => {
    h = await startHarness();
    const res = await sendSigned(form({ type: 'view_submission', user: { id: 'U0SALES1' }, view: { id: 'V9', callback_id: 'handoff_form', private_metadata: '{"typeKey":', state: { values: {} } } }));
    expect(res.status).toBe(200);
    expect(res.json.response_action).toBe('update');
    expect(JSON.stringify(res.json.view.blocks)).toContain('This form is out of date');
    await h.settle();
    expect(await h.app.repo.findById(1)).toBeNull();
  });
});

describe('requests no listener acknowledges', () => {
  it('get Bolt\'s 404 after Slack\'s 3 s, and are logged', async () => {
    const lines: string[] = [];
    h = await startHarness({ logger: capturingLogger(lines) });
    const res = await sendSigned(form({ type: 'view_submission', user: { id: 'U0SALES1' }, view: { id: 'V9', callback_id: 'nobody_listens', state: { values: {} } } }));
    expect(res.status).toBe(404);
    expect(lines).toContain('An incoming event was not acknowledged within 3 seconds. Ensure that the ack() argument is called in a listener.');
  });
});

describe('Events API retries', () => {
  it('handles an event_id once, whatever X-Slack-Retry-Num says', async () => {
    // Operations as a user group, so membership changes are visible as usergroups.users.list calls.
    h = await startHarness({ workflow: (w) => ({ ...w, teams: { ...w.teams, ops: { ...w.teams.ops, members: undefined, usergroup: 'S0FUL' } } }) });
    await submitOrder(h);
    const reject = async (user: string) => {
      await h.sim.blockAction({ userId: user, actionId: ActionId.reject, value: '1', channelId: 'C0OPS', messageTs: '1' });
      await h.settle();
    };
    const lookups = () => h.fake.callsTo('usergroups.users.list').length;
    await reject('U0FUL1');
    expect(lookups()).toBe(1);
    const first = await h.sim.event({ type: 'subteam_members_changed', subteam_id: 'S0FUL' }, { eventId: 'Ev1' });
    await h.settle();
    await reject('U0FUL2');
    expect(lookups()).toBe(2);
    // Slack retries the same delivery: it must not flush the cache again.
    const retry = await h.sim.event({ type: 'subteam_members_changed', subteam_id: 'S0FUL' }, { eventId: 'Ev1', retryNum: 1, retryReason: 'http_timeout' });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await h.settle();
    await reject('U0FUL1');
    expect(lookups()).toBe(2);
    // A new event does.
    await h.sim.event({ type: 'subteam_members_changed', subteam_id: 'S0FUL' }, { eventId: 'Ev2' });
    await h.settle();
    await reject('U0FUL1');
    expect(lookups()).toBe(3);
  });
});

describe('GET /healthz', () => {
  it('reports the database and the outbox backlog, and degrades when Slack has been failing for a while', async () => {
    h = await startHarness();
    const url = h.sim.url.replace('/slack/events', '/healthz');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', database: 'writable', outbox: { pending: 0, oldestAgeSeconds: null } });

    h.fake.fail('chat.postMessage', { status: 500, times: 10 });
    await submitOrder(h);
    h.clock.advance(6 * 60_000);
    const degraded = await fetch(url);
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toEqual({ status: 'degraded', database: 'writable', outbox: { pending: 2, oldestAgeSeconds: 360 } });
  });
});

describe('secrets stay secret', () => {
  it('never logs the bot token or the signing secret, even on an unexpected error', async () => {
    const lines: string[] = [];
    h = await startHarness({ logger: capturingLogger(lines) });
    h.fake.fail('views.open', { body: { ok: false, error: 'invalid_auth' } });
    await h.sim.slashCommand({ userId: 'U0SALES1', text: 'order-to-ops' });
    await h.settle();
    expect(lines.join('\n')).toContain('invalid_auth');
    expect(lines.join('\n')).not.toContain('xoxb-test-token');
    expect(lines.join('\n')).not.toContain('test-signing-secret');
    expect(h.fake.ephemerals.at(-1)?.text).toMatch(/Something went wrong on our side \(error [0-9a-f]{8}\)/);
  });
});

describe('config keys named by people are looked up as own keys only', () => {
  // Names every object inherits: a plain lookup finds Object.prototype's members under them.
  const INHERITED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

  it.each(INHERITED)('/handoff %s answers "no such type", privately, and opens nothing', async (name) => {
    h = await startHarness();
    const reply = await commandReply(h, await h.sim.slashCommand({ userId: 'U0SALES1', text: name }));
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain(`\`${name}\``);
    expect(reply.text).not.toContain('Something went wrong');
    expect(h.fake.callsTo('views.open')).toEqual([]);
  });

  it.each(INHERITED)('the type picker refuses %s on its field', async (name) => {
    h = await startHarness();
    const res = await h.sim.viewSubmission({
      userId: 'U0SALES1',
      callbackId: CallbackId.typePicker,
      values: { [BlockId.typeSelect]: { [ActionId.typeSelect]: { type: 'static_select', selected_option: { value: name, text: { type: 'plain_text', text: 'x' } } } } },
    });
    expect(res.json).toEqual({ response_action: 'errors', errors: { [BlockId.typeSelect]: expect.stringContaining(`There is no handoff type "${name}"`) } });
  });

  it.each(INHERITED)('a form whose metadata names type %s gets a clear error and stores nothing', async (name) => {
    h = await startHarness();
    const res = await h.sim.viewSubmission({ userId: 'U0SALES1', callbackId: CallbackId.form, privateMetadata: JSON.stringify({ typeKey: name }), values: orderValues() });
    expect(res.json.response_action).toBe('errors');
    expect(JSON.stringify(res.json.errors)).toContain(`There is no handoff type`);
    await h.settle();
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it.each(INHERITED)('/handoff stats %s says there is no such team', async (name) => {
    h = await startHarness();
    const reply = await commandReply(h, await h.sim.slashCommand({ userId: 'U0OPSLEAD', text: `stats ${name}` }));
    expect(reply.text).toContain(`There is no team \`${name.toLowerCase()}\``);
  });
});
