import { ActionId } from '../../ids.js';
import type { Register } from '../deps.js';

/** Slack opens a link button's URL itself but still sends the click; it only needs an ack. */
export const registerOpenLink: Register = (app) => {
  app.action(ActionId.open, async ({ ack }) => {
    await ack();
  });
};
