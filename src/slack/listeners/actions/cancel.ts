import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { handoffIdOf, type Register } from '../deps.js';

/** The button asks for confirmation in Slack's own dialog before this runs. */
export const registerCancel: Register = (app, { service }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.cancel, async ({ ack, body, action }) => {
    await ack();
    await service.cancel(handoffIdOf(action.value), body.user.id);
  });
};
