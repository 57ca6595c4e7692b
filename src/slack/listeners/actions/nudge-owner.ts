import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ActionId } from '../../ids.js';
import { answerPrivately } from '../../report-error.js';
import { handoffIdOf, type Register } from '../deps.js';

/** Nudge owner (requester): DMs the owner, or reminds the team in the thread while unaccepted. */
export const registerNudgeOwner: Register = (app, { service, client }) => {
  app.action<BlockAction<ButtonAction>>(ActionId.nudgeOwner, async ({ ack, body, action, logger }) => {
    await ack();
    const h = await service.nudgeOwner(handoffIdOf(action.value), body.user.id);
    const whom = h.state === 'accepted' ? `<@${h.ownerId}>` : `${service.team(h.toTeam).name} (in the handoff's thread)`;
    await answerPrivately(client, body, `:wave: Nudged ${whom} about #${h.id}.`, logger);
  });
};
