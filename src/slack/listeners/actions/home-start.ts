import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildTypePickerModal } from '../../views/modals.js';
import type { Register } from '../deps.js';

/** "Start a handoff" on the Home tab: the same type picker as `/handoff` and the shortcut. */
export const registerHomeStart: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.homeStart, async ({ ack, body }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: buildTypePickerModal(await service.startableTypes(body.user.id)) });
  });
};
