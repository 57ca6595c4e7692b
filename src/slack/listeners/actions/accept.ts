import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Accept: the first receiving-team member to press it owns the handoff; the post updates from the outbox. */
export const registerAccept: Register = (app, { service }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.accept, async ({ ack, body, action }) => {
    await ack();
    await service.accept(handoffIdOf(action.value), body.user.id);
  });
};
