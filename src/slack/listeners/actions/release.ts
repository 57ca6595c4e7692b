import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { handoffIdOf, type Register } from '../deps.js';

export const registerRelease: Register = (app, { service }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.release, async ({ ack, body, action }) => {
    await ack();
    await service.release(handoffIdOf(action.value), body.user.id);
  });
};
