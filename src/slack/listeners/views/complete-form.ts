import type { ViewSubmitAction } from '@slack/bolt';
import { BlockId, CallbackId } from '../../ids';
import { readFieldInput } from '../../views/field-inputs';
import { handoffMeta, type Register, readMeta } from '../deps';
import { submitView } from '../view-errors';

export const registerCompleteForm: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.complete, async ({ ack, body, view }) => {
    const { handoffId } = readMeta(handoffMeta, view.private_metadata);
    const h = service.get(handoffId);
    const first = service.handoffType(h.typeKey).completion.fields[0]?.key ?? '';
    await submitView(ack, BlockId.field(first), async () => {
      await service.complete(handoffId, body.user.id, readFieldInput(view.state.values));
    });
  });
};
