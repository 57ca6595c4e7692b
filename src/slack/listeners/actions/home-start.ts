import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids';
import { buildTypePickerModal } from '../../views/modals';
import type { Register } from '../deps';

/** "Start a handoff" on the Home tab: the same type picker as `/handoff` and the shortcut. */
export const registerHomeStart: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.homeStart, async ({ ack, body }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: buildTypePickerModal(await service.startableTypes(body.user.id)) });
  });
};
