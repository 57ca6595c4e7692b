import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildHandoffFormModal } from '../../views/modals.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Edit and resubmit: the requester gets the original form, prefilled, with the reason it came back and the fields it flagged marked. */
export const registerResubmit: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.resubmit, async ({ ack, body, action }) => {
    await ack();
    const id = handoffIdOf(action.value);
    const h = await service.check(id, body.user.id, { kind: 'resubmit', fields: {} });
    const last = await service.lastReturn(id);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildHandoffFormModal(h.typeKey, service.handoffType(h.typeKey), {
        prefill: h.fields,
        handoffId: h.id,
        note: last?.reason,
        flagged: last?.flaggedFields,
        somethingElse: last?.somethingElse,
      }),
    });
  });
};
