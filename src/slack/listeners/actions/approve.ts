import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Approve: only an approver; it is posted to the receiving team, and the approval DMs update, from the outbox. */
export const registerApprove: Register = (app, { service }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.approve, async ({ ack, body, action }) => {
    await ack();
    await service.approve(handoffIdOf(action.value), body.user.id);
  });
};
