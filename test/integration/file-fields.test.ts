import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldConfig } from '../../src/config/workflow-schema';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, orderValues, startHarness } from '../helpers/harness';
import { fileValue, textValue } from '../helpers/slack-requests';

// Slack payloads are open-ended JSON
type Json = any;

const TOKEN = 'shop-token-0123456789abcdefghijklmnop';
const po: FieldConfig = { key: 'po', label: 'Purchase order', type: 'file', required: true, unique: false, filetypes: ['pdf', 'png', 'jpg'], maxFiles: 3 };

let h: Harness;
beforeEach(async () => {
  h = await startHarness({
    workflow: (w) => {
      w.handoffTypes['order-to-ops'].fields.push(po);
      return { ...w, api: { ...w.api, tokens: [{ name: 'shop', token: TOKEN, read: 'own' as const }] } };
    },
  });
});
afterEach(async () => {
  await h.close();
});

const ref = (f: Json) => ({ id: f.id, name: f.name, permalink: f.permalink });

async function submitForm(values: Json, opts: { handoffId?: number; userId?: string } = {}) {
  const res = await h.sim.viewSubmission({
    userId: opts.userId ?? 'U0SALES1',
    callbackId: CallbackId.form,
    privateMetadata: JSON.stringify({ typeKey: 'order-to-ops', ...(opts.handoffId ? { handoffId: opts.handoffId } : {}) }),
    values,
  });
  await h.settle();
  return res;
}

const channelPost = () => h.fake.messages('C0OPS').find((m) => !m.thread_ts);

async function returnIt(id: number) {
  await h.sim.blockAction({ userId: 'U0OPS1', actionId: ActionId.reject, value: String(id), channelId: 'C0OPS', messageTs: channelPost()?.ts });
  await h.settle();
  const modal = h.fake.lastOpenedView(CallbackId.reject);
  await h.sim.viewSubmission({ userId: 'U0OPS1', callbackId: CallbackId.reject, privateMetadata: modal.private_metadata, values: { reason: { value: textValue('Wrong PO') } } });
  await h.settle();
}

describe('file fields in the form', () => {
  it('render as a file_input with the accepted types and count', async () => {
    await h.sim.slashCommand({ userId: 'U0SALES1', text: 'order-to-ops' });
    await h.settle();
    const block = h.fake.lastOpenedView(CallbackId.form).blocks.find((b: Json) => b.block_id === BlockId.field('po'));
    expect(block).toMatchObject({ optional: false, element: { type: 'file_input', action_id: ActionId.fieldInput, filetypes: ['pdf', 'png', 'jpg'], max_files: 3 } });
  });

  it('a required file missing is a field error, and so is a file id typed into the form', async () => {
    const missing = await submitForm({ ...orderValues(), [BlockId.field('po')]: { value: fileValue([]) } });
    expect(missing.json).toEqual({ response_action: 'errors', errors: { [BlockId.field('po')]: 'Attach a file.' } });
    const file = h.fake.uploadFile('U0SALES1', 'po.pdf', 1000);
    // Only Slack's own file objects count: an id alone would attach any file the bot can see.
    const tampered = await submitForm({ ...orderValues(), [BlockId.field('po')]: { value: { type: 'plain_text_input', value: file.id } } });
    expect(tampered.json).toEqual({ response_action: 'errors', errors: { [BlockId.field('po')]: 'Attach a file.' } });
    const wrongType = await submitForm({ ...orderValues(), [BlockId.field('po')]: { value: fileValue([h.fake.uploadFile('U0SALES1', 'po.exe', 10)]) } });
    expect(wrongType.json.errors[BlockId.field('po')]).toContain('not one of the accepted file types');
    expect(await h.app.repo.findById(1)).toBeNull();
  });

  it('stores id, name and link, shows the files as links, and keeps them on a resubmission unless replaced', async () => {
    const first = h.fake.uploadFile('U0SALES1', 'PO <4242>.pdf', 2048, 'application/pdf');
    const res = await submitForm({ ...orderValues(), [BlockId.field('po')]: { value: fileValue([first]) } });
    expect(res.body).toBe('');
    expect((await h.app.repo.findById(1))?.fields.po).toEqual([ref(first)]);
    expect(JSON.stringify(channelPost()?.blocks)).toContain(`<${first.permalink}|PO &lt;4242&gt;.pdf>`);

    await returnIt(1);
    await h.sim.blockAction({ userId: 'U0SALES1', actionId: ActionId.resubmit, value: '1', channelId: 'D0SALES1', messageTs: '1.1' });
    await h.settle();
    const form = h.fake.lastOpenedView(CallbackId.form);
    const block = form.blocks.find((b: Json) => b.block_id === BlockId.field('po'));
    // Slack cannot prefill a file input: the hint names what is attached, and leaving it empty keeps it.
    expect(block.optional).toBe(true);
    expect(block.hint.text).toContain('Attached: PO <4242>.pdf. They stay unless you attach new files here.');

    const kept = await submitForm({ ...orderValues(), [BlockId.field('po')]: { value: fileValue([]) } }, { handoffId: 1 });
    expect(kept.body).toBe('');
    expect(await h.app.repo.findById(1)).toMatchObject({ state: 'open', fields: { po: [ref(first)] } });

    await returnIt(1);
    const second = h.fake.uploadFile('U0SALES1', 'po-v2.png', 4096, 'image/png');
    await submitForm({ ...orderValues(), [BlockId.field('po')]: { value: fileValue([second]) } }, { handoffId: 1 });
    expect((await h.app.repo.findById(1))?.fields.po).toEqual([ref(second)]);
  });
});

describe('file fields through the API', () => {
  const base = () => h.sim.url.replace('/slack/events', '');
  const create = (fields: Json) =>
    fetch(`${base()}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ type: 'order-to-ops', requester: 'U0SALES1', fields: { order_id: 'SO-4242', customer: 'ACME GmbH', ship_by: '2026-12-01', priority: 'Low', ...fields } }),
    });

  it('attaches files already in Slack by id, looked up with files.info, and shows them in GET', async () => {
    const file = h.fake.uploadFile('U0SALES1', 'po.pdf', 1000);
    const res = await create({ po: [file.id] });
    expect(res.status).toBe(201);
    expect(((await res.json()) as Json).handoff.fields.po).toEqual([ref(file)]);
    expect(h.fake.callsTo('files.info').map((c) => c.args.file)).toEqual([file.id]);
    const got = (await (await fetch(`${base()}/api/handoffs/1`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Json;
    expect(got.handoff.fields.po).toEqual([ref(file)]);
  });

  it('answers an unknown or malformed file id with a field error, creating nothing', async () => {
    const unknown = await create({ po: ['F0NOSUCH'] });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as Json).errors).toEqual({ po: 'No file F0NOSUCH in Slack that the bot can see.' });
    const malformed = await create({ po: ['po.pdf'] });
    expect(((await malformed.json()) as Json).errors.po).toContain('Slack file IDs');
    const missing = await create({});
    expect(((await missing.json()) as Json).errors).toEqual({ po: 'Attach a file.' });
    expect(await h.app.repo.findById(1)).toBeNull();
  });
});
