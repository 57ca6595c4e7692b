import fc from 'fast-check';
import type { KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { DigestItem, PersonDigest, TeamDigest } from '../../src/domain/digest';
import { ActionId } from '../../src/slack/ids';
import { buildDigestMessage, DIGEST_CAP, formatAge } from '../../src/slack/views/digest';
import { allOfType, ofType } from '../helpers/block-kit';

const NOW = new Date('2024-06-10T12:00:00.000Z');
const HOUR = 3_600_000;

function item(id: number, over: Partial<DigestItem> = {}): DigestItem {
  return {
    id,
    title: `Handoff ${id}`,
    state: 'accepted',
    sla: 'overdue',
    dueAt: '2024-06-10T11:00:00.000Z',
    createdAt: new Date(NOW.getTime() - 3 * HOUR).toISOString(),
    ownerId: 'UOWN',
    requesterId: 'UREQ',
    permalink: null,
    snoozedUntil: null,
    ...over,
  };
}

/** `n` items with ids from `first`. */
const items = (first: number, n: number, over: Partial<DigestItem> = {}) => Array.from({ length: n }, (_, i) => item(first + i, over));

function team(teamKey: string, unaccepted: DigestItem[], overdue: DigestItem[], snoozed: DigestItem[]): TeamDigest {
  return { teamKey, unaccepted, overdue, snoozed };
}

const opts = { now: NOW, teamName: (key: string) => key.toUpperCase(), heading: 'Your daily handoffs' };

const textOf = (b: SectionBlock): string => (typeof b.text?.text === 'string' ? b.text.text : '');
/** The section blocks that show one item (section headings carry no '#'). */
const itemSections = (blocks: KnownBlock[]) => allOfType(blocks, 'section').filter((b) => textOf(b).includes('#'));
const shownIds = (blocks: KnownBlock[]) => itemSections(blocks).map((b) => Number(/#(\d+)/.exec(textOf(b))?.[1]));

/** action_ids of the buttons under each item, by item id. */
function actionsById(blocks: KnownBlock[]): Record<number, Array<string | undefined>> {
  const out: Record<number, Array<string | undefined>> = {};
  blocks.forEach((b, i) => {
    const m = b.type === 'section' ? /#(\d+)/.exec(textOf(b)) : null;
    if (!m) return;
    const next = blocks[i + 1];
    out[Number(m[1])] = next?.type === 'actions' ? next.elements.map((e) => e.action_id) : [];
  });
  return out;
}

describe('buildDigestMessage: the cap', () => {
  // 25 items: owned 3, waiting 4, then OPS unaccepted 6, overdue 6, snoozed 6.
  const digest: PersonDigest = {
    userId: 'ULEAD',
    owned: items(1, 3),
    waiting: items(11, 4),
    teams: [team('ops', items(21, 6, { state: 'open', sla: 'due_soon' }), items(31, 6), items(41, 6, { snoozedUntil: '2024-06-12T00:00:00.000Z' }))],
  };

  it('shows DIGEST_CAP = 10 items, filling sections in order, then "and 15 more"', () => {
    expect(DIGEST_CAP).toBe(10);
    const { blocks, text } = buildDigestMessage(digest, opts);
    expect(itemSections(blocks)).toHaveLength(10);
    expect(shownIds(blocks)).toEqual([1, 2, 3, 11, 12, 13, 14, 21, 22, 23]);
    const last = blocks[blocks.length - 1];
    expect(last.type).toBe('context');
    expect(ofType(ofType(last, 'context').elements[0], 'mrkdwn').text).toContain('and 15 more');
    expect(text).toBe('Your daily handoffs: 25 handoffs');
  });

  it('headings count the whole section, shown or not', () => {
    const headings = allOfType(buildDigestMessage(digest, opts).blocks, 'section')
      .filter((b) => !textOf(b).includes('#'))
      .map(textOf);
    expect(headings).toEqual(['*You own* (3)', '*You are waiting on* (4)', '*OPS: waiting to be accepted* (6)']);
  });

  it('no "more" line when everything fits', () => {
    const small: PersonDigest = { userId: 'U1', owned: items(1, 1), waiting: [], teams: [] };
    const { blocks, text } = buildDigestMessage(small, opts);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions']);
    expect(text).toBe('Your daily handoffs: 1 handoff');
  });

  it('a custom cap of 15 shows 15', () => {
    const { blocks } = buildDigestMessage(digest, { ...opts, cap: 15 });
    expect(itemSections(blocks)).toHaveLength(15);
    expect(ofType(ofType(blocks[blocks.length - 1], 'context').elements[0], 'mrkdwn').text).toContain('and 10 more');
  });

  it('stays within Slack’s 50 blocks at cap 15 with every section full', () => {
    const full = (base: number) => items(base, 20);
    const big: PersonDigest = {
      userId: 'U1',
      owned: full(100),
      waiting: full(200),
      teams: [team('a', full(300), full(400), full(500)), team('b', full(600), full(700), full(800))],
    };
    const { blocks } = buildDigestMessage(big, { ...opts, cap: 15 });
    // header + "You own" + 15 × (item + actions) + context
    expect(blocks).toHaveLength(33);
  });

  it('the worst case, one item per section, is 47 blocks at cap 15', () => {
    // Every section with one actionable item costs 3 blocks: heading, item, buttons.
    const one = (id: number) => [item(id)];
    const worst: PersonDigest = {
      userId: 'U1',
      owned: one(1),
      waiting: one(2),
      teams: Array.from({ length: 8 }, (_, i) => team(`t${i}`, one(10 + i * 2), one(11 + i * 2), [])),
    };
    const { blocks } = buildDigestMessage(worst, { ...opts, cap: 15 });
    expect(itemSections(blocks)).toHaveLength(15);
    expect(blocks).toHaveLength(1 + 15 * 3 + 1);
    expect(blocks.length).toBeLessThanOrEqual(50);
  });

  it('any digest at cap 15 fits in 50 blocks', () => {
    const section = fc.integer({ min: 0, max: 4 });
    fc.assert(
      fc.property(
        fc.record({ owned: section, waiting: section, teams: fc.array(fc.tuple(section, section, section), { maxLength: 8 }) }),
        (shape) => {
          let id = 1;
          const take = (n: number, over: Partial<DigestItem> = {}) => items((id += n) - n, n, over);
          const d: PersonDigest = {
            userId: 'U1',
            owned: take(shape.owned),
            waiting: take(shape.waiting),
            teams: shape.teams.map(([u, o, s], i) => team(`t${i}`, take(u), take(o), take(s, { snoozedUntil: '2024-06-12T00:00:00.000Z' }))),
          };
          const total = id - 1;
          const { blocks } = buildDigestMessage(d, { ...opts, cap: 15 });
          expect(blocks.length).toBeLessThanOrEqual(50);
          expect(itemSections(blocks)).toHaveLength(Math.min(15, total));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('buildDigestMessage: buttons per role', () => {
  const digest: PersonDigest = {
    userId: 'U1',
    owned: [item(1, { state: 'accepted' }), item(2, { state: 'returned' })],
    waiting: [item(3)],
    teams: [team('ops', [item(4, { state: 'open' })], [item(5)], [item(6, { snoozedUntil: '2024-06-12T00:00:00.000Z' })])],
  };
  const byId = actionsById(buildDigestMessage(digest, opts).blocks);

  it.each([
    [1, 'owned, accepted', ['handoff_complete', 'handoff_snooze', 'handoff_reassign']],
    [2, 'owned, returned', ['handoff_resubmit']],
    [3, 'waiting', ['handoff_nudge_owner']],
    [4, 'unaccepted', ['handoff_accept', 'handoff_reassign']],
    [5, 'team overdue', ['handoff_reassign']],
    [6, 'snoozed', []],
  ])('#%i %s', (id, _role, expected) => {
    expect(byId[id]).toEqual(expected);
  });

  it('each button carries its handoff id as the value', () => {
    const values = buildDigestMessage(digest, opts)
      .blocks.filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements.map((e) => ofType(e, 'button').value));
    expect(values).toEqual(['1', '1', '1', '2', '3', '4', '4', '5']);
  });
});

describe('buildDigestMessage: item text', () => {
  it('escapes titles so they cannot ping or link', () => {
    const d: PersonDigest = { userId: 'U1', owned: [item(7, { title: '<!channel> deploy & ship @here' })], waiting: [], teams: [] };
    const [section] = itemSections(buildDigestMessage(d, opts).blocks);
    expect(textOf(section)).toContain('*#7 &lt;!channel&gt; deploy &amp; ship @\u200Bhere*');
    expect(textOf(section)).not.toContain('<!channel>');
  });

  it('links the title to the post without letting a "|" end the label', () => {
    const d: PersonDigest = { userId: 'U1', owned: [item(8, { title: 'a|b', permalink: 'https://x.slack.com/archives/C1/p1' })], waiting: [], teams: [] };
    const [section] = itemSections(buildDigestMessage(d, opts).blocks);
    expect(textOf(section).split('\n')[0]).toBe('<https://x.slack.com/archives/C1/p1|#8 a¦b>');
  });

  it('says how old the item is and who it is with', () => {
    const d: PersonDigest = { userId: 'U1', owned: [], waiting: [item(9, { createdAt: new Date(NOW.getTime() - 50 * HOUR).toISOString() })], teams: [] };
    const [section] = itemSections(buildDigestMessage(d, opts).blocks);
    expect(textOf(section)).toContain(' · 2d old · <@UOWN>');
    expect(textOf(section)).toContain(':rotating_light: overdue since <!date^1718017200^');
  });
});

describe('buildDigestMessage: approvals', () => {
  it('lists what waits for my approval after what I own, from whom, with Approve / Decline, and counts it', () => {
    const d: PersonDigest = { userId: 'UAPP', owned: [item(1)], waiting: [item(2)], approvals: [item(3, { state: 'awaiting_approval', ownerId: 'UREQ' })], teams: [] };
    const { blocks, text } = buildDigestMessage(d, opts);
    expect(shownIds(blocks)).toEqual([1, 3, 2]);
    expect(JSON.stringify(blocks)).toContain('*Waiting for your approval* (1)');
    expect(actionsById(blocks)[3]).toEqual([ActionId.approve, ActionId.decline]);
    expect(textOf(itemSections(blocks)[1])).toContain(' · from <@UREQ>');
    expect(text).toBe('Your daily handoffs: 3 handoffs');
  });

  it('reads a digest queued before approvals were listed', () => {
    const { text } = buildDigestMessage({ userId: 'U1', owned: [item(1)], waiting: [], teams: [] }, opts);
    expect(text).toBe('Your daily handoffs: 1 handoff');
  });
});

describe('formatAge', () => {
  it.each([
    [-5_000, '0m'],
    [0, '0m'],
    [59_000, '0m'],
    [60_000, '1m'],
    [59 * 60_000, '59m'],
    [60 * 60_000, '1h'],
    [47 * HOUR, '47h'],
    [48 * HOUR - 1, '47h'],
    [48 * HOUR, '2d'],
    [71 * HOUR, '2d'],
    [72 * HOUR, '3d'],
  ])('%i ms → %s', (ms, expected) => {
    expect(formatAge(ms)).toBe(expected);
  });
});
