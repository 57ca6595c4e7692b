import { afterEach, beforeEach, expect, it } from 'vitest';
import { BlockId, CallbackId } from '../../src/slack/ids';
import { type Harness, startHarness } from '../helpers/harness';
import { textValue } from '../helpers/slack-requests';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

it('"Hand off this message": picker, prefilled form, linked post, and the original thread told', async () => {
  // A message someone posted in the wrong channel.
  const posted = await fetch(`${h.fake.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: 'Bearer xoxp-user', 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'C0SALES', text: 'Can someone ship the <!here> replacement for ACME?' }),
  }).then((r) => r.json() as Promise<{ ts: string }>);

  const res = await h.sim.messageShortcut({ userId: 'U0SALES2', callbackId: CallbackId.messageShortcut, channelId: 'C0SALES', messageTs: posted.ts, messageText: 'Can someone ship the <!here> replacement for ACME &amp; Co &lt;3?' });
  expect(res.status).toBe(200);
  await h.settle();
  const picker = h.fake.lastOpenedView(CallbackId.typePicker);
  // Slack keeps the view id when the picker is updated into the form; the message is looked up by it.
  const viewId = String(h.fake.callsTo('views.open').at(-1)?.response.view.id);

  const next = await h.sim.viewSubmission({
    userId: 'U0SALES2',
    callbackId: CallbackId.typePicker,
    privateMetadata: picker.private_metadata,
    viewId,
    values: { [BlockId.typeSelect]: { type: { type: 'static_select', selected_option: { value: 'anything-to-ops', text: { type: 'plain_text', text: 'x' } } } } },
  });
  expect(next.json.response_action).toBe('update');
  const form = next.json.view;
  expect(JSON.parse(form.private_metadata)).toEqual({ typeKey: 'anything-to-ops', source: { channel: 'C0SALES', ts: posted.ts } });
  const request = form.blocks.find((b: any) => b.block_id === BlockId.field('request'));
  // Slack escapes &, < and > in message text; the form shows what the person typed.
  expect(request.element.initial_value).toBe('Can someone ship the <!here> replacement for ACME & Co <3?');

  const done = await h.sim.viewSubmission({
    userId: 'U0SALES2',
    callbackId: CallbackId.form,
    privateMetadata: form.private_metadata,
    viewId,
    values: { [BlockId.field('request')]: { value: textValue('Can someone ship the <!here> replacement for ACME?') } },
  });
  expect(done.body).toBe('');
  await h.settle();
  const handoff = await h.app.repo.findById(1);
  expect(handoff).toMatchObject({ sourceChannel: 'C0SALES', sourceTs: posted.ts, sourcePermalink: `https://fake.slack.test/archives/C0SALES/p${posted.ts.replace('.', '')}` });
  const post = h.fake.messages('C0OPS')[0];
  expect(JSON.stringify(post.blocks)).toContain(`https://fake.slack.test/archives/C0SALES/p${posted.ts.replace('.', '')}|From a message in <#C0SALES>`);
  expect(JSON.stringify(post.blocks)).not.toContain('<!here>');
  const replies = h.fake.threadReplies('C0SALES', posted.ts);
  expect(replies).toHaveLength(1);
  expect(replies[0].text).toContain('handed this off to Operations as <https://fake.slack.test/archives/C0OPS/');
});
