import type { ViewSubmitAction } from '@slack/bolt';
import { ActionId, BlockId, CallbackId } from '../../ids.js';
import { handoffMeta, type Register, readMeta } from '../deps.js';
import { submitView } from '../view-errors.js';

export const registerSnoozeForm: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.snooze, async ({ ack, body, view }) => {
    await submitView(ack, view, BlockId.until, async () => {
      const { handoffId } = readMeta(handoffMeta, view.private_metadata);
      const until = view.state.values[BlockId.until]?.[ActionId.fieldInput]?.selected_date ?? '';
      const reason = view.state.values[BlockId.reason]?.[ActionId.fieldInput]?.value ?? '';
      await service.snooze(handoffId, body.user.id, until, reason);
    });
  });
};
