import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockId, CallbackId } from '../../src/slack/ids';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

// Slack payloads are open-ended JSON
type Json = any;

const AVA = 'U0SALES01'; // sales

let t: TestSandbox;

async function until<T>(check: (state: any) => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: any;
  for (;;) {
    last = await t.state(AVA);
    const found = check(last);
    if (found) return found;
    if (Date.now() > end) throw new Error(`state never matched; last: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const topModal = (s: any) => s.modals[s.modals.length - 1];
const blockIds = (view: Json): string[] => view.blocks.map((b: Json) => b.block_id);
const option = (value: string) => ({ text: { type: 'plain_text', text: value }, value });

beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t?.close();
});

describe('the sandbox with the example config: conditional fields and file uploads', () => {
  it('shows the urgency field when Urgent is picked and hides it again (views.update in the emulator)', async () => {
    await t.post('type', { as: AVA, channel: 'C0GENERAL', text: '/handoff order-to-ops' });
    const form = await until((s) => topModal(s)?.view.callback_id === CallbackId.form && topModal(s));
    expect(blockIds(form.view)).not.toContain(BlockId.field('urgency'));
    const priority = form.view.blocks.find((b: Json) => b.block_id === BlockId.field('priority'));
    const pick = (value: string) =>
      t.post('action', {
        as: AVA,
        target: { type: 'view', viewId: form.view.id },
        action: { type: 'static_select', action_id: priority.element.action_id, block_id: priority.block_id, selected_option: option(value) },
        state: { [priority.block_id]: { [priority.element.action_id]: { type: 'static_select', selected_option: option(value) } } },
      });
    await pick('Urgent');
    const shown = await until((s) => blockIds(topModal(s).view).includes(BlockId.field('urgency')) && topModal(s));
    expect(shown.view.id).toBe(form.view.id);
    expect(shown.view.hash).not.toBe(form.view.hash);
    await pick('Low');
    await until((s) => !blockIds(topModal(s).view).includes(BlockId.field('urgency')));
  });

  it('takes a picked file, which files.info then knows, and the bot links it on the post', async () => {
    const { json } = await t.post('upload', { as: AVA, name: 'PO-1001.pdf', size: 52_000, mimetype: 'application/pdf' });
    expect(json).toMatchObject({ ok: true, file: { id: expect.stringMatching(/^F/), name: 'PO-1001.pdf', permalink: expect.stringContaining('/files/') } });
    expect((await t.post('upload', { as: AVA, name: 'huge.pdf', size: 11 * 1024 * 1024 })).json).toMatchObject({ ok: false, error: 'huge.pdf is larger than 10 MB.' });

    const form = topModal(await t.state(AVA));
    const text = (value: string) => ({ value: { type: 'plain_text_input', value } });
    await t.post('submit', {
      as: AVA,
      viewId: form.view.id,
      values: {
        [BlockId.field('order_id')]: text('SO-10001'),
        [BlockId.field('customer')]: text('Acme GmbH'),
        [BlockId.field('ship_by')]: { value: { type: 'datepicker', selected_date: '2026-12-01' } },
        [BlockId.field('priority')]: { value: { type: 'static_select', selected_option: option('Low') } },
        [BlockId.field('po')]: { value: { type: 'file_input', files: [json.file] } },
      },
    });
    expect((await t.state(AVA)).modals).toEqual([]);
    const post = await until((s) => s.conversations.C0OPS01?.messages[0]);
    expect(JSON.stringify(post.blocks)).toContain(`<${json.file.permalink}|PO-1001.pdf>`);
  });
});
