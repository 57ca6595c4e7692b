import type { BlockAction, ButtonAction } from '@slack/bolt';
import { localParts } from '../../../domain/business-clock.js';
import { ActionId } from '../../ids.js';
import { buildSnoozeModal } from '../../views/modals.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Snooze (owner): a date and a reason in a modal; the default is the next day. */
export const registerSnooze: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.snooze, async ({ ack, body, action }) => {
    await ack();
    const id = handoffIdOf(action.value);
    const now = service.now();
    const h = await service.check(id, body.user.id, { kind: 'snooze', until: new Date(now.getTime() + 1), reason: '-', now });
    const tomorrow = localParts(new Date(now.getTime() + 24 * 3600 * 1000), service.team(h.toTeam).timezone).date;
    await client.views.open({ trigger_id: body.trigger_id, view: buildSnoozeModal(h.id, h.title, tomorrow) });
  });
};
