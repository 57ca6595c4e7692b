import type { HandoffTypeConfig } from '../../config/workflow-schema.js';
import { COMMAND } from '../ids.js';
import { escapeMrkdwn } from '../mrkdwn.js';

export function buildHelpText(types: ReadonlyArray<[string, HandoffTypeConfig]>): string {
  const list = types.map(([key, t]) => `• \`${COMMAND} ${key}\`: ${escapeMrkdwn(t.name)}`).join('\n');
  return [
    '*Handoff* moves work between teams with the information it needs and one clear owner.',
    `• \`${COMMAND}\`: pick a handoff type and fill in its form`,
    list || '_There is no handoff type you can start._',
    `• \`${COMMAND} mine\`: your stalled handoffs, and what you wait on`,
    `• \`${COMMAND} stalled\`: what is stalled in your teams`,
    `• \`${COMMAND} stats [team] [7d|30d|90d]\`: how your team's handoffs flow (members and leads)`,
    `• \`${COMMAND} insights [team|type] [7d|30d|90d]\`: why handoffs come back, and what to change (members and leads)`,
    `• \`${COMMAND} away until YYYY-MM-DD [backup @person]\`: no offers while you are away, and your reminders go to your backup (or leads); \`${COMMAND} back\` ends it`,
    '• The *Home* tab of this app: your queue, what you wait on and your teams\' queue',
    `• \`${COMMAND} help\`: this message`,
    'The receiving team gets a post with *Accept* and *Reject*; you get a DM at every step.',
  ].join('\n');
}

export function buildUnknownTypeText(given: string, types: ReadonlyArray<[string, HandoffTypeConfig]>): string {
  const keys = types.map(([key]) => `\`${key}\``).join(', ');
  return `There is no handoff type \`${escapeMrkdwn(given)}\`. ${keys ? `You can start: ${keys}.` : 'There is no handoff type you can start.'} Try \`${COMMAND} help\`.`;
}
