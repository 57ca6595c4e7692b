import type { MessageShortcut } from '@slack/bolt';
import { CallbackId } from '../../ids.js';
import { unescapeSlackText } from '../../mrkdwn.js';
import { buildTypePickerModal } from '../../views/modals.js';
import type { Register } from '../deps.js';

/** "Hand off this message": the type picker, remembering the message so the form is prefilled and linked. */
export const registerMessageShortcut: Register = (app, { service, client }) => {
  app.shortcut<MessageShortcut>(CallbackId.messageShortcut, async ({ ack, body }) => {
    await ack();
    const source = { channel: body.channel.id, ts: body.message.ts, text: unescapeSlackText(body.message.text ?? '') };
    const opened = await client.views.open({ trigger_id: body.trigger_id, view: buildTypePickerModal(await service.startableTypes(body.user.id), source) });
    // The picker becomes the form under the same view id, so its submission finds the message recorded here.
    if (opened.view?.id) await service.rememberMessageSource(opened.view.id, body.user.id, { channel: source.channel, ts: source.ts });
  });
};
