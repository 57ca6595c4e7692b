import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildHistoryModal } from '../../views/history.js';
import { handoffIdOf, type Register } from '../deps.js';

/** History, on posts, DMs and Home items: the handoff's whole timeline in a modal. */
export const registerHistory: Register = (app, { history, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.history, async ({ ack, body, action }) => {
    await ack();
    const found = await history.historyOf(handoffIdOf(action.value), body.user.id);
    await client.views.open({ trigger_id: body.trigger_id, view: buildHistoryModal(found, found.events, { timezone: found.viewerTimezone }) });
  });
};
