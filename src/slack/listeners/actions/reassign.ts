import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildReassignModal } from '../../views/modals.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Reassign (owner or lead) and Assign to… (lead, from the queue) both pick a member in a modal. */
export const registerReassign: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.reassign, async ({ ack, body, action }) => {
    await ack();
    const id = handoffIdOf(action.value);
    // Checked against the actor as a possible target so only the permission and state rules apply here.
    const h = await service.check(id, body.user.id, { kind: 'reassign', to: '-', toIsMember: true });
    await client.views.open({ trigger_id: body.trigger_id, view: buildReassignModal(h.id, h.title, service.team(h.toTeam).name) });
  });
};
