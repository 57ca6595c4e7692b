import type { BlockAction, ButtonAction } from '@slack/bolt';
import { DomainError } from '../../../domain/errors.js';
import { ActionId } from '../../ids.js';
import { buildHandoffFormModal } from '../../views/modals.js';
import { handoffIdOf, type Register } from '../deps.js';

/** The next step of a chain, when it needs more than the finished handoff carried: the form, prefilled. */
export const registerStartNext: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.startNext, async ({ ack, body, action }) => {
    await ack();
    const typeKey = String(action.value ?? '').split(':')[1];
    if (!typeKey) throw new DomainError('not_found', 'That button does not name a handoff type.');
    const next = await service.nextStep(handoffIdOf(action.value), typeKey, body.user.id);
    const view = buildHandoffFormModal(next.typeKey, service.handoffType(next.typeKey), { prefill: next.prefill, parentId: handoffIdOf(action.value) });
    await client.views.open({ trigger_id: body.trigger_id, view });
  });
};
