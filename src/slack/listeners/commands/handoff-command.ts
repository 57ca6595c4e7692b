import { isDomainError } from '../../../domain/errors.js';
import { COMMAND } from '../../ids.js';
import { buildDigestMessage } from '../../views/digest.js';
import { link } from '../../views/messages.js';
import { formatAwayUntil } from '../../views/away.js';
import { buildHelpText, buildUnknownTypeText } from '../../views/help.js';
import { buildHandoffFormModal, buildTypePickerModal } from '../../views/modals.js';
import { buildInsightsMessage, insightsViewOptions } from '../../views/insights.js';
import { buildStatsMessage, statsViewOptions } from '../../views/stats.js';
import type { Register } from '../deps.js';
import { answerAwayCommand } from './away-command.js';

/** Ephemeral lists show a few more items than the daily DM, within Slack's 50 blocks. */
const ON_DEMAND_CAP = 15;

/** `/handoff`, `/handoff <type>`, `/handoff help|mine|stalled|stats|insights|away|back`. Answers that need no modal go back in the ack, ephemerally. */
export const registerHandoffCommand: Register = (app, { service, queues, stats, insights, client, away }) => {
  app.command(COMMAND, async ({ ack, command }) => {
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
    const awayAnswer = away ? await answerAwayCommand(away, userId, key, rest) : null;
    if (awayAnswer !== null) {
      await ack({ response_type: 'ephemeral', text: awayAnswer });
      return;
    }
    const teamName = (k: string) => service.team(k).name;
    if (key === 'mine' && rest.length === 0) {
      const q = await queues.mine(userId);
      const summary = `You own ${q.owned} and are waiting on ${q.waiting} handoff${q.waiting === 1 ? '' : 's'} in progress.`;
      if (!q.digest) {
        await ack({ response_type: 'ephemeral', text: `:sparkles: Nothing of yours is stalled. ${summary}` });
        return;
      }
      const message = buildDigestMessage(q.digest, { now: service.now(), teamName, heading: 'Your stalled handoffs', cap: ON_DEMAND_CAP });
      await ack({ response_type: 'ephemeral', text: message.text, blocks: [...message.blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: summary }] }] });
      return;
    }
    if (key === 'stalled' && rest.length === 0) {
      const s = await queues.stalled(userId);
      const awayLines = await queues.ownersAway(s.teams);
      if (awayLines.length > 0) {
        // Work whose owner is away waits on nobody, stalled or not: list it first.
        const text = `*Owner away*\n${awayLines.map((l) => `• ${link(l.handoff)}: <@${l.handoff.ownerId}> is away ${formatAwayUntil(l.until)}`).join('\n')}`;
        const rest = s.digest ? buildDigestMessage(s.digest, { now: service.now(), teamName, heading: 'Stalled in your teams', cap: ON_DEMAND_CAP }).blocks : [];
        await ack({ response_type: 'ephemeral', text: 'Stalled in your teams', blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, ...rest] });
        return;
      }
      if (!s.digest) {
        const which = s.teams.length ? s.teams.map(teamName).join(', ') : 'no team';
        await ack({ response_type: 'ephemeral', text: `:sparkles: Nothing is stalled in ${which}.` });
        return;
      }
      const message = buildDigestMessage(s.digest, { now: service.now(), teamName, heading: 'Stalled in your teams', cap: ON_DEMAND_CAP });
      await ack({ response_type: 'ephemeral', ...message });
      return;
    }
    if (key === 'stats') {
      // A refusal (not your team, unknown period) is the answer itself, so it goes back in the ack.
      const answer = await stats.answer(userId, rest).catch((error: unknown) => {
        if (isDomainError(error)) return error;
        throw error;
      });
      if (isDomainError(answer)) await ack({ response_type: 'ephemeral', text: `:warning: ${answer.message}` });
      else await ack({ response_type: 'ephemeral', ...buildStatsMessage(answer.report, { ...statsViewOptions(service.config), otherTeams: answer.otherTeams }) });
      return;
    }
    if (key === 'insights') {
      const answer = await insights.answer(userId, rest).catch((error: unknown) => {
        if (isDomainError(error)) return error;
        throw error;
      });
      if (isDomainError(answer)) await ack({ response_type: 'ephemeral', text: `:warning: ${answer.message}` });
      else await ack({ response_type: 'ephemeral', ...buildInsightsMessage(answer, insightsViewOptions(service.config)) });
      return;
    }
    const type = service.findType(key);
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
