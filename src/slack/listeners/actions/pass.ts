import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildPassModal } from '../../views/offers.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Pass asks for an optional reason; whoever the handoff is not offered to is told so before any modal opens. */
export const registerPass: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.pass, async ({ ack, body, action }) => {
    await ack();
    const h = await service.check(handoffIdOf(action.value), body.user.id, { kind: 'pass' });
    await client.views.open({ trigger_id: body.trigger_id, view: buildPassModal(h.id, h.title) });
  });
};
