import type { ViewSubmitAction } from '@slack/bolt';
import { ActionId, BlockId, CallbackId } from '../../ids.js';
import { readReturnFlags } from '../../views/modals.js';
import { handoffMeta, type Register, readMeta } from '../deps.js';
import { submitView } from '../view-errors.js';

export const registerRejectForm: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.reject, async ({ ack, body, view }) => {
    await submitView(ack, view, BlockId.reason, async () => {
      const { handoffId } = readMeta(handoffMeta, view.private_metadata);
      const reason = view.state.values[BlockId.reason]?.[ActionId.fieldInput]?.value ?? '';
      // A modal without checkboxes (opened before they existed) flags nothing rather than "no field".
      const flagged = Object.keys(view.state.values).some(BlockId.isFlagged) ? readReturnFlags(view.state.values) : undefined;
      await service.reject(handoffId, body.user.id, reason, flagged);
    });
  });
};
