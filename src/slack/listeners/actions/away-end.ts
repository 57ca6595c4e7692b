import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { buildHomeView } from '../../views/home.js';
import { statsViewOptions } from '../../views/stats.js';
import type { Register } from '../deps.js';

/** "I'm back" on the Home tab ends the absence and shows the Home without it. */
export const registerAwayEnd: Register = (app, { away, homes, service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.awayEnd, async ({ ack, body }) => {
    await ack();
    await away?.back(body.user.id);
    await client.views.publish({ user_id: body.user.id, view: buildHomeView(await homes.build(body.user.id), statsViewOptions(service.config)) });
  });
};
