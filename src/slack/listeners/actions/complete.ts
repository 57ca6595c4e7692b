import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildCompleteModal } from '../../views/modals.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Mark done: asks for the type's completion fields in a modal, or completes at once when there are none. */
export const registerComplete: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.complete, async ({ ack, body, action }) => {
    await ack();
    const id = handoffIdOf(action.value);
    const h = await service.check(id, body.user.id, { kind: 'complete', completion: {} });
    const type = service.handoffType(h.typeKey);
    if (type.completion.fields.length === 0) {
      await service.complete(id, body.user.id);
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: buildCompleteModal(h.id, h.title, type) });
  });
};
