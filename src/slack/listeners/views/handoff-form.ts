import type { ViewSubmitAction } from '@slack/bolt';
import { CallbackId } from '../../ids.js';
import { readFieldInput } from '../../views/field-inputs.js';
import { formMeta, type Register, readMeta } from '../deps.js';
import { submitView } from '../view-errors.js';

/** A new handoff, a resubmitted one, or the next step of a chain: validated and stored before the modal closes. */
export const registerHandoffForm: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.form, async ({ ack, body, view }) => {
    await submitView(ack, view, undefined, async () => {
      const meta = readMeta(formMeta, view.private_metadata);
      const raw = readFieldInput(view.state.values);
      if (meta.handoffId) await service.resubmit(meta.handoffId, body.user.id, raw);
      // The message it came from is what the server recorded for this modal; metadata the client sent back is not trusted with where the bot writes.
      else
        await service.start({
          typeKey: meta.typeKey,
          requesterId: body.user.id,
          raw,
          submissionKey: view.id,
          parentId: meta.parentId,
          source: await service.messageSourceOf(view.id, body.user.id),
        });
    });
  });
};
