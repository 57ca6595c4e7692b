import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildDeclineModal } from '../../views/modals.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Decline asks for a reason in a modal; someone who may not decline is told so before any modal opens. */
export const registerDecline: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.decline, async ({ ack, body, action }) => {
    await ack();
    const h = await service.check(handoffIdOf(action.value), body.user.id, { kind: 'decline', reason: '-' });
    await client.views.open({ trigger_id: body.trigger_id, view: buildDeclineModal(h.id, h.title) });
  });
};
