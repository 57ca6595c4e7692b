import { resolve } from 'node:path';
import type { KnownBlock } from '@slack/types';
import { getTableColumns } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import { type EventRow, type HandoffRow, handoffs } from '../../src/db/schema';
import { CallbackId } from '../../src/slack/ids';
import { buildHistoryModal, MODAL_BLOCK_LIMIT } from '../../src/slack/views/history';
import type { HandoffContext } from '../../src/slack/views/messages';
import { ofType } from '../helpers/block-kit';

const config = loadWorkflow(resolve(__dirname, '../fixtures/handoff.config.yaml'));
const T0 = new Date('2026-11-23T10:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const epoch = (d: Date) => d.getTime() / 1000;

const NULL_ROW = Object.fromEntries(Object.keys(getTableColumns(handoffs)).map((k) => [k, null]));
const handoff = { ...(NULL_ROW as unknown as HandoffRow), id: 42, typeKey: 'order-to-ops', toTeam: 'ops', state: 'done', requesterId: 'U0SALES1', ownerId: 'U0OPS2', title: 'Order <SO-1>' } as HandoffRow;
const ctx: HandoffContext = { handoff, type: config.handoffTypes['order-to-ops'], toTeam: config.teams.ops };

let seq = 0;
function ev(type: EventRow['type'], at: Date, fromState: EventRow['fromState'], toState: EventRow['toState'], data: Record<string, unknown> = {}, actorId = 'U0OPS1'): EventRow {
  return { id: ++seq, handoffId: 42, type, actorId, at, fromState, toState, data };
}

const timeline: EventRow[] = [
  ev('created', T0, null, 'open', {}, 'U0SALES1'),
  ev('rejected', min(30), 'open', 'returned', { reason: 'No PO <!here>\nsecond line' }),
  ev('resubmitted', min(90), 'returned', 'open', { changed: ['customer', 'notes'] }, 'U0SALES1'),
  ev('nudged', min(300), 'open', 'open', { kind: 'accept_breach', key: 'accept_breach:1' }, 'handoff'),
  ev('accepted', min(310), 'open', 'accepted'),
  ev('reassigned', min(400), 'accepted', 'accepted', { previousOwner: 'U0OPS1', newOwner: 'U0OPS2' }, 'U0OPSLEAD'),
  ev('snoozed', min(420), 'accepted', 'accepted', { until: '2026-11-30T00:00:00.000Z', reason: 'waiting for stock' }, 'U0OPS2'),
  ev('completed', min(3000), 'accepted', 'done', { completion: { tracking: '1Z & <b>' } }, 'U0OPS2'),
];

const sectionTexts = (blocks: KnownBlock[]) => blocks.filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');

describe('buildHistoryModal', () => {
  it('lists every event with who, when, what changed and why, escaped', () => {
    const modal = buildHistoryModal(ctx, timeline);
    expect(modal.callback_id).toBe(CallbackId.history);
    expect(modal.title.text).toBe('History of #42');
    expect(modal.submit).toBeUndefined();
    const [head, ...events] = sectionTexts(modal.blocks);
    expect(head).toBe('*#42 Order &lt;SO-1&gt;*\nDone · requested by <@U0SALES1> · owner <@U0OPS2>');
    expect(events).toHaveLength(timeline.length);
    const body = (i: number) => events[i].split('\n').slice(1).join('\n');
    expect(body(0)).toBe('<@U0SALES1> handed it off to Operations');
    expect(body(1)).toBe('<@U0OPS1> returned it to the requester\n_Waiting to be accepted → Returned to requester_\n>No PO &lt;!here&gt;\n>second line');
    expect(body(2)).toBe('<@U0SALES1> resubmitted it (changed: Customer, Notes)\n_Returned to requester → Waiting to be accepted_');
    expect(body(3)).toBe('Handoff told the leads: it was not accepted in time');
    expect(body(4)).toBe('<@U0OPS1> accepted it\n_Waiting to be accepted → In progress_');
    expect(body(5)).toBe('<@U0OPSLEAD> assigned it to <@U0OPS2> (was <@U0OPS1>)');
    expect(body(6)).toContain('<@U0OPS2> snoozed reminders until <!date^');
    expect(body(6)).toContain('>waiting for stock');
    expect(body(7)).toBe('<@U0OPS2> marked it done\n*Tracking number:* 1Z &amp; &lt;b&gt;\n_In progress → Done_');
    // How long after the previous event, to see where it waited.
    expect(events[3].split('\n')[0]).toContain(' · 3h later');
    expect(events[7].split('\n')[0]).toContain(' · 43h later');
  });

  it("renders times as Slack date tokens (the viewer's own timezone), with a fallback in the viewer's known timezone", () => {
    const berlin = sectionTexts(buildHistoryModal(ctx, timeline, { timezone: 'Europe/Berlin' }).blocks);
    // 10:00 UTC is 11:00 in Berlin (CET) on 23 November.
    expect(berlin[1].split('\n')[0]).toBe(`*<!date^${epoch(T0)}^{date_short_pretty} {time}|2026-11-23 11:00 Europe/Berlin>*`);
    const tokyo = sectionTexts(buildHistoryModal(ctx, timeline, { timezone: 'Asia/Tokyo' }).blocks);
    expect(tokyo[2]).toContain(`<!date^${epoch(min(30))}^{date_short_pretty} {time}|2026-11-23 19:30 Asia/Tokyo>`);
    const unknown = sectionTexts(buildHistoryModal(ctx, timeline).blocks);
    expect(unknown[1]).toContain(`<!date^${epoch(T0)}^{date_short_pretty} {time}|2026-11-23 10:00 UTC>`);
  });

  it('keeps within 100 blocks, showing the latest events after "and N earlier events"', () => {
    const many = Array.from({ length: 250 }, (_, i) => ev('nudged', min(i), 'accepted', 'accepted', { kind: 'requester' }, 'U0SALES1'));
    const modal = buildHistoryModal(ctx, many);
    expect(modal.blocks).toHaveLength(MODAL_BLOCK_LIMIT);
    // 2 header blocks and the notice leave 97 for events: 250 − 97 = 153 hidden.
    expect(JSON.stringify(modal.blocks)).toContain('…and 153 earlier events.');
    expect(ofType(modal.blocks.at(-1), 'section').text?.text).toContain(`<!date^${epoch(min(249))}^`);
    expect(buildHistoryModal(ctx, many.slice(0, 98)).blocks).toHaveLength(100);
    expect(JSON.stringify(buildHistoryModal(ctx, many.slice(0, 98)).blocks)).not.toContain('earlier event');
  });
});
