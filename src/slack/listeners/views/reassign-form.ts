import type { ViewSubmitAction } from '@slack/bolt';
import { ActionId, BlockId, CallbackId } from '../../ids.js';
import { handoffMeta, type Register, readMeta } from '../deps.js';
import { submitView } from '../view-errors.js';

export const registerReassignForm: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.reassign, async ({ ack, body, view }) => {
    await submitView(ack, view, BlockId.assignee, async () => {
      const { handoffId } = readMeta(handoffMeta, view.private_metadata);
      const to = view.state.values[BlockId.assignee]?.[ActionId.fieldInput]?.selected_user ?? '';
      await service.reassign(handoffId, body.user.id, to);
    });
  });
};
