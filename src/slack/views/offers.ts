import type { KnownBlock } from '@slack/types';
import type { EventRow, HandoffRow } from '../../db/schema.js';
import { ActionId, BlockId, CallbackId } from '../ids.js';
import { escapeMrkdwn, mrkdwn, plain, shortLabel, slackDate } from '../mrkdwn.js';
import type { Modal } from './block.js';
import { button, fieldSections, type HandoffContext, historyButton, link, type SlackMessage } from './messages.js';

/** The line on an open handoff's post about its offer: who has it and until when, or that everyone had their turn. */
export function offerLine(h: Pick<HandoffRow, 'state' | 'offeredTo' | 'offerExpiresAt' | 'offersExhaustedAt'>): string | null {
  if (h.state !== 'open') return null;
  if (h.offeredTo && h.offerExpiresAt) return `:point_right: Offered to <@${h.offeredTo}> until ${slackDate(h.offerExpiresAt, '{time}')}`;
  if (h.offersExhaustedAt) return ':inbox_tray: Everyone on the team passed or did not answer: it waits in the team queue';
  return null;
}

/** The DM offering a handoff to one person: what it is, until when, and Accept or Pass. */
export function buildOfferDm(ctx: HandoffContext, e: EventRow): SlackMessage {
  const h = ctx.handoff;
  const until = new Date(String(e.data.until));
  const text = `:point_right: <@${h.requesterId}> handed off ${link(h)} to ${escapeMrkdwn(ctx.toTeam.name)}, and it is offered to you until ${slackDate(until, '{time}')}. Accept it, or pass and it goes to the next person.`;
  // Only while this offer still stands: after a pass or a timeout the DM keeps its History button alone.
  const current = h.state === 'open' && h.offeredTo === e.data.to;
  const actions = current ? [button('Accept', ActionId.accept, h.id, 'primary'), button('Pass', ActionId.pass, h.id)] : [];
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(text) }, ...fieldSections(ctx.type.fields, h.fields), { type: 'actions', elements: [...actions, historyButton(h.id)] }];
  return { text: text.split('\n')[0], blocks };
}

/** Pass asks for an optional reason, which goes into the history and the thread. */
export function buildPassModal(handoffId: number, title: string): Modal {
  return {
    type: 'modal',
    callback_id: CallbackId.pass,
    title: shortLabel('Pass on handoff', 24),
    submit: shortLabel('Pass', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ handoffId }),
    blocks: [
      { type: 'section', text: mrkdwn(`Pass *${escapeMrkdwn(title)}* to the next person on the team.`) },
      {
        type: 'input',
        block_id: BlockId.reason,
        optional: true,
        label: plain('Why? (optional)'),
        element: { type: 'plain_text_input', action_id: ActionId.fieldInput, multiline: true, max_length: 2000 },
      },
    ],
  };
}
