import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildRejectModal } from '../../views/modals.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Reject asks in a modal which fields were missing or wrong and why; someone who may not reject is told so before any modal opens. */
export const registerReject: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.reject, async ({ ack, body, action }) => {
    await ack();
    const h = await service.check(handoffIdOf(action.value), body.user.id, { kind: 'reject', reason: '-' });
    await client.views.open({ trigger_id: body.trigger_id, view: buildRejectModal(h.id, h.title, service.findType(h.typeKey)?.fields) });
  });
};
