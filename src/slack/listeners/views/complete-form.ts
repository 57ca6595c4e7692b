import type { ViewSubmitAction } from '@slack/bolt';
import { CallbackId } from '../../ids.js';
import { readFieldInput } from '../../views/field-inputs.js';
import { handoffMeta, type Register, readMeta } from '../deps.js';
import { submitView } from '../view-errors.js';

export const registerCompleteForm: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.complete, async ({ ack, body, view }) => {
    await submitView(ack, view, undefined, async () => {
      const { handoffId } = readMeta(handoffMeta, view.private_metadata);
      await service.complete(handoffId, body.user.id, readFieldInput(view.state.values));
    });
  });
};
