import type { ViewSubmitAction } from '@slack/bolt';
import { ActionId, BlockId, CallbackId } from '../../ids.js';
import { buildHandoffFormModal } from '../../views/modals.js';
import { pickerMeta, type Register, readMeta } from '../deps.js';
import { submitView } from '../view-errors.js';

/** The picker's Next replaces it with the chosen type's form. */
export const registerTypePicker: Register = (app, { service }) => {
  app.view<ViewSubmitAction>(CallbackId.typePicker, async ({ ack, body, view }) => {
    await submitView(ack, view, BlockId.typeSelect, async () => {
      const typeKey = view.state.values[BlockId.typeSelect]?.[ActionId.typeSelect]?.selected_option?.value ?? '';
      const type = service.handoffType(typeKey);
      if (!(await service.canStart(typeKey, body.user.id))) return { response_action: 'errors', errors: { [BlockId.typeSelect]: 'You cannot start this type.' } };
      const { source } = view.private_metadata ? readMeta(pickerMeta, view.private_metadata) : { source: undefined };
      return { response_action: 'update', view: buildHandoffFormModal(typeKey, type, { source }) };
    });
  });
};
