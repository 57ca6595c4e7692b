import { resolve } from 'node:path';
import fc from 'fast-check';
import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import type { DigestSource } from '../../src/domain/digest';
import { buildTeamFlowReport, type TeamFlowReport } from '../../src/domain/flow-metrics';
import { type HomeData, type HomeItem, splitPersonalItems, toHomeItem } from '../../src/domain/home';
import type { HandoffState } from '../../src/domain/lifecycle';
import { ActionId } from '../../src/slack/ids';
import { buildHomeView, HOME_BLOCK_LIMIT } from '../../src/slack/views/home';
import { statsViewOptions } from '../../src/slack/views/stats';
import { allOfType, ofType } from '../helpers/block-kit';

const NOW = new Date('2026-11-23T10:00:00Z');
const config = loadWorkflow(resolve(__dirname, '../fixtures/handoff.config.yaml'));
const opts = statsViewOptions(config);
const HOUR = 3_600_000;

function source(id: number, o: Partial<DigestSource> = {}): DigestSource {
  const created = new Date(NOW.getTime() - id * HOUR);
  return {
    id,
    title: `Order SO-${id}`,
    state: 'accepted',
    requesterId: 'U0SALES1',
    ownerId: 'U0OPS1',
    toTeam: 'ops',
    createdAt: created,
    permalink: `https://acme.slack.com/archives/C0OPS/p${id}`,
    queuedAt: created,
    acceptedAt: created,
    updatedAt: created,
    acceptWarnAt: null,
    acceptDueAt: null,
    completeWarnAt: new Date(NOW.getTime() + HOUR),
    completeDueAt: new Date(NOW.getTime() + 2 * HOUR),
    snoozedUntil: null,
    ...o,
  };
}

const items = (n: number, state: HandoffState = 'accepted', from = 1): HomeItem[] => Array.from({ length: n }, (_, i) => toHomeItem(source(from + i, { state }), NOW));
const health = (teams: string[]): TeamFlowReport[] => teams.map((t) => buildTeamFlowReport(t, [], NOW, 30, { minutesBetween: (a, b) => (b - a) / 60000, slaOf: () => ({}) }));

function home(o: Partial<HomeData> = {}): HomeData {
  return { userId: 'U0OPS1', now: NOW, mine: [], waiting: [], queue: { teamKeys: ['ops'], items: [], total: 0 }, health: [], ...o };
}

const texts = (blocks: KnownBlock[]) => JSON.stringify(blocks);
const headers = (blocks: KnownBlock[]) => blocks.filter((b) => b.type === 'header').map((b) => b.text.text);
const contexts = (blocks: KnownBlock[]) => blocks.filter((b) => b.type === 'context').map((b) => ofType(b.elements[0], 'mrkdwn').text);
const itemIds = (blocks: KnownBlock[]) => allOfType(blocks, 'section').filter((b) => /#(\d+) /.test(b.text?.text ?? '')).map((b) => Number(/#(\d+) /.exec(b.text!.text)?.[1]));

describe('buildHomeView', () => {
  it('stays within 100 blocks with many items everywhere, and says how many more there are', () => {
    const view = buildHomeView(
      home({ mine: items(80), waiting: items(70, 'open', 100), queue: { teamKeys: ['ops', 'fulfilment'], items: items(30, 'open', 200), total: 640 }, health: health(['ops', 'fulfilment', 'sales', 'x', 'y']) }),
      opts,
    );
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(headers(view.blocks)).toEqual(['My queue (80)', 'Waiting on others (70)', "My teams' queue (Operations, Fulfilment) (640)", 'Team health']);
    const shown = itemIds(view.blocks);
    const mineShown = shown.filter((id) => id < 100).length;
    const waitingShown = shown.filter((id) => id >= 100 && id < 200).length;
    const queueShown = shown.filter((id) => id >= 200).length;
    expect(mineShown).toBeGreaterThan(5);
    expect(contexts(view.blocks)).toEqual(
      expect.arrayContaining([`…and ${80 - mineShown} more.`, `…and ${70 - waitingShown} more.`, `…and ${640 - queueShown} more. The rest wait in the teams' channels.`, '…and 2 more teams: `/handoff stats <team>`']),
    );
    // Sections share the room; none is crowded out.
    expect(Math.abs(mineShown - queueShown)).toBeLessThanOrEqual(1);
  });

  it('never exceeds 100 blocks and always accounts for every item, whatever the counts', () => {
    fc.assert(
      fc.property(fc.nat(120), fc.nat(120), fc.nat(40), fc.nat(2000), fc.nat(6), fc.boolean(), fc.nat(60), (mine, waiting, fetched, extra, leadOf, member, approvals) => {
        const queueItems = member ? items(fetched, 'open', 1000) : [];
        const d = home({
          approvals: items(approvals, 'awaiting_approval', 3000),
          mine: items(mine),
          waiting: items(waiting, 'open', 500),
          queue: { teamKeys: member ? ['ops'] : [], items: queueItems, total: queueItems.length + (member ? extra : 0) },
          health: health(['ops', 'sales', 'fulfilment', 'a', 'b', 'c'].slice(0, leadOf)),
        });
        const { blocks } = buildHomeView(d, opts);
        expect(blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
        const shown = itemIds(blocks);
        const more = contexts(blocks)
          .map((t) => /^…and (\d+) more\./.exec(t))
          .filter((m) => m !== null)
          .reduce((n, m) => n + Number(m?.[1]), 0);
        expect(shown.length + more).toBe(approvals + mine + waiting + d.queue.total);
      }),
      { numRuns: 200 },
    );
  });

  it('shows empty states, and no team queue for someone in no team', () => {
    const { blocks } = buildHomeView(home({ queue: { teamKeys: [], items: [], total: 0 } }), opts);
    expect(headers(blocks)).toEqual(['My queue (0)', 'Waiting on others (0)']);
    expect(contexts(blocks)).toEqual(expect.arrayContaining(['Nothing is waiting on you.', 'Nothing you started is waiting on someone else.']));
    const member = buildHomeView(home(), opts).blocks;
    expect(contexts(member)).toContain('No handoff is waiting to be accepted.');
    expect(texts(member)).toContain(ActionId.homeStart);
  });

  it('shows Team health only to leads', () => {
    expect(texts(buildHomeView(home(), opts).blocks)).not.toContain('Team health');
    const lead = buildHomeView(home({ health: health(['ops']) }), opts).blocks;
    expect(headers(lead)).toContain('Team health');
    expect(texts(lead)).toContain('*Operations*');
    expect(texts(lead)).toContain('/handoff stats ops 90d');
  });

  it('gives each item the buttons its section needs, and escapes what people typed', () => {
    const evil = toHomeItem(source(7, { title: '<!channel> & <https://evil|x>' }), NOW);
    const returned = toHomeItem(source(8, { state: 'returned', ownerId: 'U0OPS1', requesterId: 'U0OPS1', permalink: null }), NOW);
    const { blocks } = buildHomeView(home({ mine: [evil, returned], waiting: items(1, 'open', 20), queue: { teamKeys: ['ops'], items: items(1, 'open', 30), total: 1 } }), opts);
    const buttonsAfter = (id: number) => {
      const i = blocks.findIndex((b) => b.type === 'section' && b.text?.text.includes(`#${id} `));
      return ofType(blocks[i + 1], 'actions').elements.map((e) => e.action_id);
    };
    expect(buttonsAfter(7)).toEqual([ActionId.complete, ActionId.snooze, ActionId.reassign, ActionId.history, ActionId.open]);
    expect(buttonsAfter(8)).toEqual([ActionId.resubmit, ActionId.history]);
    expect(buttonsAfter(20)).toEqual([ActionId.nudgeOwner, ActionId.history, ActionId.open]);
    expect(buttonsAfter(30)).toEqual([ActionId.accept, ActionId.history, ActionId.open]);
    expect(headers(blocks)[0]).not.toContain('approval');
    expect(texts(blocks)).toContain('&lt;!channel&gt; &amp; &lt;https://evil¦x&gt;');
    expect(texts(blocks)).not.toContain('<!channel>');
  });

  it('lists what waits for my approval first, with the approval DM’s Approve / Decline, only when there is some', () => {
    const asked = toHomeItem(source(40, { state: 'awaiting_approval', ownerId: 'U0SALES1', permalink: null }), NOW);
    const { blocks } = buildHomeView(home({ userId: 'U0SALESLEAD', approvals: [asked] }), opts);
    expect(headers(blocks)[0]).toBe('Waiting for your approval (1)');
    const i = blocks.findIndex((b) => b.type === 'section' && b.text?.text.includes('#40 '));
    expect(ofType(blocks[i + 1], 'actions').elements.map((e) => e.action_id)).toEqual([ActionId.approve, ActionId.decline, ActionId.history]);
    expect(texts(blocks)).toContain('from <@U0SALES1> · goes to Operations once approved');
    expect(headers(buildHomeView(home({ approvals: [] }), opts).blocks)).not.toContain('Waiting for your approval (0)');
  });
});

describe('splitPersonalItems', () => {
  it('puts owned work in my queue stalled first, and what waits on others in waiting', () => {
    const rows: DigestSource[] = [
      source(1), // on track, oldest
      source(2, { completeWarnAt: new Date(NOW.getTime() - HOUR) }), // due soon
      source(3, { completeDueAt: new Date(NOW.getTime() - 1), completeWarnAt: new Date(NOW.getTime() - HOUR) }), // overdue
      source(4, { completeDueAt: new Date(NOW.getTime() - 1), snoozedUntil: new Date(NOW.getTime() + HOUR) }), // overdue but snoozed
      source(5, { state: 'returned', ownerId: 'U0OPS1', requesterId: 'U0OPS1' }),
      source(6, { state: 'open', ownerId: 'U0OPS1', requesterId: 'U0OPS1' }), // started by me, waits on the team
      source(7, { requesterId: 'U0OPS1', ownerId: 'U0OPS2' }), // started by me, owned by someone else
    ];
    const { mine, waiting } = splitPersonalItems(rows, 'U0OPS1', NOW);
    expect(mine.map((i) => i.id)).toEqual([3, 2, 5, 1, 4]);
    expect(waiting.map((i) => i.id)).toEqual([7, 6]);
  });
});
