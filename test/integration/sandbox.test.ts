import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockId, CallbackId } from '../../src/slack/ids';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

// Slack payloads are open-ended JSON
type Json = any;

const AVA = 'U0SALES01'; // sales
const EMMA = 'U0OPS01'; // operations
const HIRO = 'U0OPSLEAD';

let t: TestSandbox;

/** Polls the page state until `check` passes: the bot answers Slack's requests, then its outbox posts. */
async function until<T>(as: string, check: (state: any) => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: any;
  for (;;) {
    last = await t.state(as);
    const found = check(last);
    if (found) return found;
    if (Date.now() > end) throw new Error(`state never matched; last: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const topModal = (s: any) => s.modals[s.modals.length - 1];

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t?.close();
});

describe('the sandbox, as its page uses it', () => {
  it('serves the page, its script, the renderer and the styles without a build step', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/render.js', 'text/javascript'],
      ['/style.css', 'text/css'],
    ]) {
      const res = await fetch(`${t.base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
    }
    expect((await fetch(`${t.base}/../package.json`)).status).toBe(404);
  });

  it('lists the people of the config and refuses strangers and requests that are not JSON', async () => {
    const people = (await (await fetch(`${t.base}/sandbox/people`)).json()) as Json[];
    expect(people[0]).toMatchObject({ id: AVA, name: 'Ava' });
    expect((await fetch(`${t.base}/sandbox/state?as=U0NOBODY`)).status).toBe(400);
    const form = await fetch(`${t.base}/sandbox/type`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.base }, body: `as=${AVA}&channel=C0GENERAL&text=/handoff` });
    expect(form.status).toBe(415);
    expect((await t.post('type', { as: AVA, channel: 'C0GENERAL' })).status).toBe(400);
  });

  it('answers /handoff help ephemerally to its author only; an unknown command gets a Slackbot notice', async () => {
    await t.post('type', { as: AVA, channel: 'C0GENERAL', text: '/handoff help' });
    const mine = (await t.state(AVA)).conversations.C0GENERAL.ephemerals;
    expect(mine.at(-1).text).toContain('order-to-ops');
    expect((await t.state(EMMA)).conversations.C0GENERAL.ephemerals).toEqual([]);
    await t.post('type', { as: AVA, channel: 'C0GENERAL', text: '/deploy now' });
    const notice = (await t.state(AVA)).conversations.C0GENERAL.ephemerals.at(-1);
    expect(notice).toMatchObject({ from: 'Slackbot', text: expect.stringContaining('`/deploy` is not a valid command') });
    const { json } = await t.post('dismiss', { as: AVA, ts: notice.message_ts });
    expect(json.ok).toBe(true);
    expect((await t.state(AVA)).conversations.C0GENERAL.ephemerals).toHaveLength(1);
  });

  it('opens the type picker for its author, and Next replaces it with the form (response_action update)', async () => {
    await t.post('type', { as: AVA, channel: 'C0GENERAL', text: '/handoff' });
    const picker = await until(AVA, (s) => topModal(s));
    expect(picker.view.callback_id).toBe(CallbackId.typePicker);
    expect((await t.state(EMMA)).modals).toEqual([]);
    const option = picker.view.blocks[0].element.options.find((o: Json) => o.value === 'order-to-ops');
    const res = await t.post('submit', { as: AVA, viewId: picker.view.id, values: { [BlockId.typeSelect]: { type: { type: 'static_select', selected_option: option } } } });
    expect(res.json.ok).toBe(true);
    const form = topModal(await t.state(AVA));
    expect(form.view).toMatchObject({ id: picker.view.id, callback_id: CallbackId.form, title: { text: 'New order to Operations' } });
    expect(form.view.hash).not.toBe(picker.view.hash);
  });

  it('shows the bot field errors under the fields, then closes the form once it is stored and posts it', async () => {
    const form = topModal(await t.state(AVA));
    const values = (orderId: string) => ({
      [BlockId.field('order_id')]: { value: { type: 'plain_text_input', value: orderId } },
      [BlockId.field('customer')]: { value: { type: 'plain_text_input', value: 'Acme GmbH' } },
      [BlockId.field('ship_by')]: { value: { type: 'datepicker', selected_date: '2026-12-01' } },
      [BlockId.field('priority')]: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Urgent' }, value: 'Urgent' } } },
    });
    await t.post('submit', { as: AVA, viewId: form.view.id, values: values('12345') });
    const errors = topModal(await t.state(AVA)).errors;
    expect(errors[BlockId.field('order_id')]).toContain('CRM order number');
    await t.post('submit', { as: AVA, viewId: form.view.id, values: values('SO-12345') });
    expect((await t.state(AVA)).modals).toEqual([]);
    const post = await until(EMMA, (s) => s.conversations.C0OPS01.messages[0]);
    expect(post.text).toContain('Handoff #1: New order to Operations: SO-12345');
    expect(post.blocks.at(-1).elements.map((e: Json) => e.text.text)).toContain('Accept');
    await until(AVA, (s) => s.conversations[s.dm].messages.length === 1);
  });

  it('sends a button press with the real message to the bot, which updates the post and replies in its thread', async () => {
    const post = (await t.state(EMMA)).conversations.C0OPS01.messages[0];
    const accept = post.blocks.at(-1).elements.find((e: Json) => e.action_id === 'handoff_accept');
    const res = await t.post('action', { as: EMMA, target: { type: 'message', channel: 'C0OPS01', ts: post.ts }, action: { ...accept, block_id: post.blocks.at(-1).block_id } });
    expect(res.json.ok).toBe(true);
    const updated = await until(EMMA, (s) => {
      const m = s.conversations.C0OPS01.messages[0];
      return m.updates > 0 && m.replies.length > 0 && m;
    });
    expect(updated.text).toContain('In progress');
    expect(updated.replies[0].text).toContain('<@U0OPS01> accepted');
  });

  it('opens the Home tab: app_home_opened goes to the bot, which publishes the person their Home', async () => {
    const res = await t.post('app', { as: HIRO, tab: 'home' });
    expect(res.json.ok).toBe(true);
    const home = await until(HIRO, (s) => s.home);
    expect(home.type).toBe('home');
    expect((await t.state(EMMA)).home).toBeNull();
  });

  it('opens the global shortcut type picker from the shortcuts menu', async () => {
    await t.post('shortcut', { as: HIRO, callbackId: 'start_handoff' });
    const picker = await until(HIRO, (s) => topModal(s));
    expect(picker.view.callback_id).toBe(CallbackId.typePicker);
    await t.post('close', { as: HIRO, viewId: picker.view.id, all: true });
    expect((await t.state(HIRO)).modals).toEqual([]);
  });

  it('jumps the clock and runs the jobs as of then: a day later nothing is stalled, the next 09:00 the owner gets a digest', async () => {
    const day = await t.post('clock', { as: EMMA, jump: 'day', timezone: 'America/New_York' });
    expect(day.json).toMatchObject({ ok: true, now: expect.stringMatching(/^2026-11-24T15:0/), digest: { queued: 0 } });
    const morning = await t.post('clock', { as: EMMA, jump: 'morning', timezone: 'America/New_York' });
    expect(morning.json.now).toMatch(/^2026-11-25T14:00/);
    expect(morning.json.digest.queued).toBe(1);
    const dm = (await t.state(EMMA)).conversations[`D0OPS01`].messages;
    expect(dm.at(-1).text).toBe('Your stalled handoffs today: 1 handoff');
    await t.post('clock', { as: EMMA, jump: 'hour', timezone: 'America/New_York' });
    const hour = await t.post('clock', { as: EMMA, jump: 'hour', timezone: 'America/New_York' });
    expect(hour.json.now).toMatch(/^2026-11-25T16:00/);
    expect((await t.state(EMMA)).now).toMatch(/^2026-11-25T16:00/);
  });

  it('shows a lead their weekly report with its chart, which the page loads from its own address', async () => {
    // The clock jumps above passed Monday 09:00 of the lead's week: the report went out at the first one.
    const dm = (await t.state(HIRO)).conversations['D0OPSLEAD'].messages;
    const report = dm.find((m: Json) => m.files?.length);
    expect(report.text).toContain('Your weekly handoff report');
    expect(report.files[0]).toMatchObject({ mimetype: 'image/png', src: expect.stringMatching(/^\/sandbox\/files\/F\w+$/) });
    const res = await fetch(`${t.base}${report.files[0].src}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('\x89PNG');
    expect((await fetch(`${t.base}/sandbox/files/F99999999`)).status).toBe(404);
  });

  it('posts what a person types as their message, and its message shortcut starts a handoff linked in its thread', async () => {
    await t.post('type', { as: AVA, channel: 'C0SALES01', text: 'ACME wants 40 chargers <by Friday> & fast' });
    const said = (await t.state(EMMA)).conversations.C0SALES01.messages[0];
    expect(said).toMatchObject({ user: AVA, text: 'ACME wants 40 chargers &lt;by Friday&gt; &amp; fast' });
    expect((await t.state(AVA)).app.messageShortcuts.map((m: Json) => m.callbackId)).toContain(CallbackId.messageShortcut);

    await t.post('messageShortcut', { as: AVA, callbackId: CallbackId.messageShortcut, channel: 'C0SALES01', ts: said.ts });
    const picker = await until(AVA, (s) => topModal(s));
    const option = picker.view.blocks.find((b: Json) => b.block_id === BlockId.typeSelect).element.options.find((o: Json) => o.value === 'order-to-ops');
    await t.post('submit', { as: AVA, viewId: picker.view.id, values: { [BlockId.typeSelect]: { type: { type: 'static_select', selected_option: option } } } });
    const form = topModal(await t.state(AVA));
    const notes = form.view.blocks.find((b: Json) => b.block_id === BlockId.field('notes'));
    expect(notes.element.initial_value).toContain('ACME wants 40 chargers');
    await t.post('submit', {
      as: AVA,
      viewId: form.view.id,
      values: {
        [BlockId.field('order_id')]: { value: { type: 'plain_text_input', value: 'SO-40404' } },
        [BlockId.field('customer')]: { value: { type: 'plain_text_input', value: 'ACME' } },
        [BlockId.field('ship_by')]: { value: { type: 'datepicker', selected_date: '2026-12-04' } },
        [BlockId.field('priority')]: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Normal' }, value: 'Normal' } } },
        [BlockId.field('notes')]: { value: { type: 'plain_text_input', value: notes.element.initial_value } },
      },
    });
    expect((await t.state(AVA)).modals).toEqual([]);
    const reply = await until(AVA, (s) => s.conversations.C0SALES01.messages[0].replies[0]);
    expect(reply.text).toContain('SO-40404');
  });
});
