import type { ViewSubmitAction } from '@slack/bolt';
import { ActionId, BlockId, CallbackId } from '../../ids.js';
import { handoffMeta, type Register, readMeta } from '../deps.js';
import { submitView } from '../view-errors.js';

export const registerDeclineForm: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.decline, async ({ ack, body, view }) => {
    await submitView(ack, view, BlockId.reason, async () => {
      const { handoffId } = readMeta(handoffMeta, view.private_metadata);
      const reason = view.state.values[BlockId.reason]?.[ActionId.fieldInput]?.value ?? '';
      await service.decline(handoffId, body.user.id, reason);
    });
  });
};
