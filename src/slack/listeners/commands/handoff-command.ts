import { COMMAND } from '../../ids';
import { buildHelpText, buildUnknownTypeText } from '../../views/help';
import { buildHandoffFormModal, buildTypePickerModal } from '../../views/modals';
import type { Register } from '../deps';

/** `/handoff`, `/handoff <type>`, `/handoff help`. Answers that need no modal go back in the ack, ephemerally. */
export const registerHandoffCommand: Register = (app, { service }) => {
  app.command(COMMAND, async ({ ack, command, client }) => {
    const [sub = '', ...rest] = command.text.trim().split(/\s+/);
    const userId = command.user_id;
    const key = sub.toLowerCase();
    if (key === '') {
      await ack();
      const types = await service.startableTypes(userId);
      await client.views.open({ trigger_id: command.trigger_id, view: buildTypePickerModal(types) });
      return;
    }
    if (key === 'help') {
      await ack({ response_type: 'ephemeral', text: buildHelpText(await service.startableTypes(userId)) });
      return;
    }
    const type = service.config.handoffTypes[key];
    if (!type || rest.length > 0) {
      await ack({ response_type: 'ephemeral', text: buildUnknownTypeText(command.text.trim(), await service.startableTypes(userId)) });
      return;
    }
    if (!(await service.canStart(key, userId))) {
      const from = type.from ? service.team(type.from).name : '';
      await ack({ response_type: 'ephemeral', text: `Only members of ${from} can start “${type.name}”. Try \`${COMMAND} help\` for what you can start.` });
      return;
    }
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: buildHandoffFormModal(key, type) });
  });
};
