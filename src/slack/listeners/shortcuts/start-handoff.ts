import type { GlobalShortcut } from '@slack/bolt';
import { CallbackId } from '../../ids.js';
import { buildTypePickerModal } from '../../views/modals.js';
import type { Register } from '../deps.js';

/** "Start a handoff" from Slack's shortcuts menu: the same type picker as `/handoff`. */
export const registerStartShortcut: Register = (app, { service, client }) => {
  app.shortcut<GlobalShortcut>(CallbackId.startShortcut, async ({ ack, body }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: buildTypePickerModal(await service.startableTypes(body.user.id)) });
  });
};
