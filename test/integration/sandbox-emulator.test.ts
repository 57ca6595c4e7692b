import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack';

// Slack payloads are open-ended JSON
type Json = any;

let fake: FakeSlack | null = null;
afterEach(async () => {
  await fake?.stop();
  fake = null;
});

async function call(method: string, args: Json): Promise<Json> {
  const res = await fetch(`${fake?.apiUrl}${method}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' }, body: JSON.stringify(args) });
  return res.json();
}

const modal = (title: string, extra: Json = {}) => ({ type: 'modal', title: { type: 'plain_text', text: title }, blocks: [], ...extra });
const titles = (userId: string) => fake?.modalStack(userId).map((m) => m.view.title.text);

describe('the emulator does what Slack does for the person behind a trigger_id', () => {
  it('opens a modal for whoever acted, pushes onto it up to three views, and keeps other people out of it', async () => {
    fake = await FakeSlack.start();
    fake.registerTrigger('t1', 'U1');
    fake.registerTrigger('t2', 'U1');
    fake.registerTrigger('t3', 'U2');
    expect((await call('views.open', { trigger_id: 't1', view: modal('First') })).ok).toBe(true);
    expect((await call('views.push', { trigger_id: 't2', view: modal('Second') })).view).toMatchObject({ previous_view_id: fake.modalStack('U1')[0].view.id });
    expect(titles('U1')).toEqual(['First', 'Second']);
    expect(titles('U2')).toEqual([]);
    expect(await call('views.push', { trigger_id: 't3', view: modal('Nope') })).toEqual({ ok: false, error: 'invalid_arguments' });
    await call('views.push', { trigger_id: 't2', view: modal('Third') });
    expect(await call('views.push', { trigger_id: 't2', view: modal('Fourth') })).toEqual({ ok: false, error: 'push_limit_reached' });
    // views.open again starts over; an unregistered trigger (the integration tests) opens no one's modal.
    await call('views.open', { trigger_id: 't1', view: modal('Fresh') });
    expect(titles('U1')).toEqual(['Fresh']);
    expect((await call('views.open', { trigger_id: 'unknown', view: modal('Stored only') })).ok).toBe(true);
    expect(titles('U1')).toEqual(['Fresh']);
  });

  it('applies a view_submission answer: errors, update, push, clear, an empty 200, and refuses what Slack refuses', async () => {
    fake = await FakeSlack.start();
    fake.registerTrigger('t', 'U1');
    const opened = (await call('views.open', { trigger_id: 't', view: modal('Form') })).view;
    let changes = 0;
    fake.on('change', () => changes++);

    fake.applyViewSubmissionResponse('U1', opened.id, 200, { response_action: 'errors', errors: { 'field:a': 'Too short' } });
    expect(fake.modalStack('U1')[0].errors).toEqual({ 'field:a': 'Too short' });

    fake.applyViewSubmissionResponse('U1', opened.id, 200, { response_action: 'update', view: modal('Updated', { callback_id: 'next' }) });
    const [updated] = fake.modalStack('U1');
    expect(updated).toMatchObject({ view: { id: opened.id, callback_id: 'next', title: { text: 'Updated' } }, errors: {} });
    expect(updated.view.hash).not.toBe(opened.hash);

    fake.applyViewSubmissionResponse('U1', opened.id, 200, { response_action: 'push', view: modal('Pushed') });
    expect(titles('U1')).toEqual(['Updated', 'Pushed']);
    const pushed = fake.modalStack('U1')[1].view;
    expect(pushed).toMatchObject({ previous_view_id: opened.id, root_view_id: opened.id });

    fake.applyViewSubmissionResponse('U1', pushed.id, 200, { response_action: 'update', view: { type: 'modal', blocks: [] } });
    expect(fake.modalStack('U1')[1].problem).toContain('view.title is required');
    fake.applyViewSubmissionResponse('U1', pushed.id, 200, { response_action: 'bogus' });
    expect(fake.modalStack('U1')[1].problem).toContain('unknown response_action "bogus"');
    fake.applyViewSubmissionResponse('U1', pushed.id, 500, undefined);
    expect(fake.modalStack('U1')[1].problem).toContain('HTTP 500');

    // An empty 200 closes the submitted view only.
    fake.applyViewSubmissionResponse('U1', pushed.id, 200, undefined);
    expect(titles('U1')).toEqual(['Updated']);
    fake.applyViewSubmissionResponse('U1', opened.id, 200, { response_action: 'push', view: modal('Again') });
    fake.applyViewSubmissionResponse('U1', fake.modalStack('U1')[1].view.id, 200, { response_action: 'clear' });
    expect(titles('U1')).toEqual([]);
    expect(changes).toBeGreaterThanOrEqual(9);
  });

  it('closes the top modal or all of them, and forgets their errors', async () => {
    fake = await FakeSlack.start();
    fake.registerTrigger('t', 'U1');
    const first = (await call('views.open', { trigger_id: 't', view: modal('One') })).view;
    await call('views.push', { trigger_id: 't', view: modal('Two') });
    fake.closeModal('U1');
    expect(titles('U1')).toEqual(['One']);
    fake.applyViewSubmissionResponse('U1', first.id, 200, { response_action: 'errors', errors: { b: 'x' } });
    await call('views.update', { view_id: first.id, view: modal('One again') });
    expect(fake.modalStack('U1')[0].errors).toEqual({});
    fake.closeModal('U1', true);
    expect(titles('U1')).toEqual([]);
  });

  it('stamps messages with its clock, links permalinks to the page, and keeps ephemerals and bot messages it did not get through the API', async () => {
    let now = Date.parse('2026-11-23T15:00:00Z');
    fake = await FakeSlack.start({ clock: () => now, permalinkBase: 'http://localhost:3000/#' });
    const a = await call('chat.postMessage', { channel: 'C1', text: 'a' });
    const b = await call('chat.postMessage', { channel: 'C1', text: 'b' });
    expect(a.ts).toBe('1795446000.000000');
    expect(b.ts).toBe('1795446000.000001');
    now += 2500;
    expect((await call('chat.postMessage', { channel: 'C1', text: 'c' })).ts).toBe('1795446002.500000');
    expect((await call('chat.getPermalink', { channel: 'C1', message_ts: a.ts })).permalink).toBe('http://localhost:3000/#/archives/C1/p1795446000000000');
    const eph = fake.addEphemeral({ channel: 'U7', user: 'U7', text: 'psst', blocks: [], from: 'Slackbot' });
    expect(eph).toMatchObject({ channel: 'D7', message_ts: '1795446002.500001' });
    fake.dismissEphemeral('U8', eph.message_ts);
    expect(fake.ephemerals).toHaveLength(1);
    fake.dismissEphemeral('U7', eph.message_ts);
    expect(fake.ephemerals).toHaveLength(0);
    fake.addBotMessage('C2', 'in channel', []);
    expect(fake.channelIds()).toEqual(['C1', 'C2']);
  });
});
