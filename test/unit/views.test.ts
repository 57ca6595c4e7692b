import { resolve } from 'node:path';
import { getTableColumns } from 'drizzle-orm';
import fc from 'fast-check';
import type { InputBlock, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import type { FieldConfig, HandoffTypeConfig, TeamConfig } from '../../src/config/workflow-schema';
import { type EventRow, type HandoffRow, handoffs } from '../../src/db/schema';
import { buildTitle, type FieldValues, validateFields } from '../../src/domain/fields';
import type { HandoffState } from '../../src/domain/lifecycle';
import { ActionId, BlockId, CallbackId } from '../../src/slack/ids';
import { escapeMrkdwn, SECTION_TEXT_LIMIT, TRUNCATION_MARKER, truncate } from '../../src/slack/mrkdwn';
import type { Modal } from '../../src/slack/views/block';
import { buildFieldInputs, readFieldInput } from '../../src/slack/views/field-inputs';
import { buildEventDm, buildHandoffPost, describeEvent, type HandoffContext } from '../../src/slack/views/messages';
import { buildCompleteModal, buildHandoffFormModal, buildReassignModal, buildRejectModal, buildTypePickerModal } from '../../src/slack/views/modals';
import { allOfType, ofType, propertyOf } from '../helpers/block-kit';

const NOW = new Date('2026-03-02T10:00:00Z');
const config = loadWorkflow(resolve(__dirname, '../fixtures/handoff.config.yaml'));
const orderType = config.handoffTypes['order-to-ops'];
const askType = config.handoffTypes['anything-to-ops'];
const ops = config.teams.ops;
const ZWSP = '\u200B';

/** Every column null, so a row stays complete as the schema grows; the handoff-specific ones are set below. */
const NULL_ROW = Object.fromEntries(Object.keys(getTableColumns(handoffs)).map((k) => [k, null]));

function row(overrides: Partial<HandoffRow> = {}): HandoffRow {
  return {
    ...(NULL_ROW as unknown as HandoffRow),
    id: 7,
    typeKey: 'order-to-ops',
    fromTeam: 'sales',
    toTeam: 'ops',
    state: 'open',
    requesterId: 'U0REQ',
    ownerId: 'U0REQ',
    title: 'New order to Operations: SO-12345',
    fields: { order_id: 'SO-12345', customer: 'ACME', ship_by: '2026-03-10', priority: 'Urgent' },
    completion: null,
    version: 1,
    createdAt: new Date('2026-03-02T09:00:00Z'),
    updatedAt: new Date('2026-03-02T09:00:00Z'),
    queuedAt: new Date('2026-03-02T09:00:00Z'),
    acceptedAt: null,
    closedAt: null,
    acceptDueAt: new Date('2026-03-02T13:00:00Z'),
    completeDueAt: null,
    channelId: 'C0OPS',
    messageTs: null,
    permalink: null,
    parentId: null,
    submissionKey: null,
    ...overrides,
  };
}

function event(overrides: Partial<EventRow> = {}): EventRow {
  return { id: 1, handoffId: 7, type: 'created', actorId: 'U0REQ', at: NOW, fromState: null, toState: 'open', data: {}, ...overrides };
}

const ctx = (h: HandoffRow, type: HandoffTypeConfig = orderType, toTeam: TeamConfig = ops): HandoffContext => ({ handoff: h, type, toTeam });

/** Every text object in a Block Kit tree, with its type. */
function textObjects(node: unknown, out: Array<{ type: string; text: string }> = []): Array<{ type: string; text: string }> {
  if (Array.isArray(node)) for (const n of node) textObjects(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push({ type: o.type, text: o.text });
    for (const v of Object.values(o)) textObjects(v, out);
  }
  return out;
}

/** The strings Slack parses as mrkdwn: every mrkdwn object and the top-level notification text. */
function mrkdwnStrings(message: { text: string; blocks: KnownBlock[] }): string[] {
  return [message.text, ...textObjects(message.blocks).filter((t) => t.type === 'mrkdwn').map((t) => t.text)];
}

/** Drops our own `<!date^…>` tokens, then reports whether any `<!` (a broadcast or special mention) remains. */
const hasSpecialMention = (s: string) => s.replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '').includes('<!');

function checkLimits(message: { text: string; blocks: KnownBlock[] }): void {
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const b of message.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'section') {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(SECTION_TEXT_LIMIT);
      if (b.fields) {
        expect(b.fields.length).toBeLessThanOrEqual(10);
        for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
    }
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(10);
      for (const e of b.elements) expect(ofType(e, 'mrkdwn').text.length).toBeLessThanOrEqual(SECTION_TEXT_LIMIT);
    }
    if (b.type === 'actions') {
      expect(b.elements.length).toBeLessThanOrEqual(25);
      for (const e of b.elements) expect(ofType(e, 'button').text.text.length).toBeLessThanOrEqual(75);
    }
  }
}

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<https://evil|click>', '&lt;https://evil|click&gt;'],
    ['<@U0123>', '&lt;@U0123&gt;'],
    ['@channel', `@${ZWSP}channel`],
    ['@here', `@${ZWSP}here`],
    ['@everyone', `@${ZWSP}everyone`],
    ['Hey @Channel and @HERE!', `Hey @${ZWSP}Channel and @${ZWSP}HERE!`],
    ['&', '&amp;'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    ['&lt;!channel&gt;', '&amp;lt;!channel&amp;gt;'],
    ['a < b > c', 'a &lt; b &gt; c'],
    ['@channels', '@channels'],
    ['plain *bold* text', 'plain *bold* text'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('leaves no raw < or > and no bare & behind', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = escapeMrkdwn(s);
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
        expect(out).not.toMatch(/@(channel|here|everyone)\b/i);
      }),
    );
  });
});

describe('truncate', () => {
  it('returns text within the limit unchanged', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('', 0)).toBe('');
  });

  it('cuts with the marker and lands exactly on the limit', () => {
    const out = truncate('x'.repeat(100), 30);
    expect(out).toBe(`${'x'.repeat(30 - TRUNCATION_MARKER.length)}${TRUNCATION_MARKER}`);
    expect(out).toHaveLength(30);
  });

  it('backs up before an escape sequence instead of cutting through it', () => {
    // cut = 20 - 7 = 13 falls inside the &amp; that starts at index 10.
    expect(truncate(`${'a'.repeat(10)}&amp;${'b'.repeat(50)}`, 20)).toBe(`${'a'.repeat(10)}${TRUNCATION_MARKER}`);
    expect(truncate(`${'a'.repeat(11)}&lt;${'b'.repeat(50)}`, 20)).toBe(`${'a'.repeat(11)}${TRUNCATION_MARKER}`);
    // A complete escape before the cut stays.
    expect(truncate(`${'a'.repeat(5)}&amp;${'b'.repeat(50)}`, 20)).toBe(`aaaaa&amp;bbb${TRUNCATION_MARKER}`);
  });

  it('never exceeds the limit, always keeps the marker, and never cuts inside an escape (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: TRUNCATION_MARKER.length, max: 300 }), (raw, max) => {
        const escaped = escapeMrkdwn(raw);
        const out = truncate(escaped, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (escaped.length <= max) {
          expect(out).toBe(escaped);
          return;
        }
        expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
        const body = out.slice(0, -TRUNCATION_MARKER.length);
        expect(escaped.startsWith(body)).toBe(true);
        // Every & in the kept part starts a whole escape sequence.
        expect(body.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
      { numRuns: 500 },
    );
  });
});

describe('buildHandoffPost', () => {
  const EVIL = '<!channel> @here <https://x|y> & <!everyone>';

  it('renders the basics of an open handoff', () => {
    const msg = buildHandoffPost(ctx(row()), NOW);
    expect(msg.text).toBe('Handoff #7: New order to Operations: SO-12345 (Waiting to be accepted)');
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '#7 New order to Operations: SO-12345', emoji: true } });
    expect(ofType(msg.blocks[1], 'section').text?.text).toBe(':hourglass_flowing_sand: Waiting to be accepted\n*Requested by* <@U0REQ>   *Team* Operations');
    expect(ofType(msg.blocks[2], 'section').fields?.map((f) => f.text)).toEqual(['*Order ID*\nSO-12345', '*Customer*\nACME', '*Ship by*\n2026-03-10', '*Priority*\nUrgent']);
    const context = msg.blocks.find((b) => b.type === 'context');
    expect(context?.elements.map((e) => ofType(e, 'mrkdwn').text)).toEqual([
      'New order to Operations · created <!date^1772442000^{date_short_pretty} {time}|2026-03-02 09:00 UTC>',
      ':stopwatch: Accept by <!date^1772456400^{date_short_pretty} {time}|2026-03-02 13:00 UTC>',
    ]);
  });

  it('shows the owner once accepted, and an overdue SLA', () => {
    const msg = buildHandoffPost(ctx(row({ state: 'accepted', ownerId: 'U0OPS1', completeDueAt: new Date('2026-03-01T00:00:00Z') })), NOW);
    expect(ofType(msg.blocks[1], 'section').text?.text).toBe(':large_blue_circle: In progress\n*Requested by* <@U0REQ>   *Owner* <@U0OPS1>');
    const context = msg.blocks.find((b) => b.type === 'context');
    expect(ofType(context?.elements[1], 'mrkdwn').text).toBe(':rotating_light: *Overdue*: complete was due <!date^1772323200^{date_short_pretty} {time}|2026-03-01 00:00 UTC>');
  });

  it('makes broadcasts and links typed into fields, the title, names and labels inert', () => {
    const fields: FieldValues = { order_id: EVIL, customer: EVIL, ship_by: EVIL, priority: EVIL, quantity: EVIL, notes: `${EVIL}\n${EVIL}` };
    const completion: FieldValues = { tracking: EVIL };
    const type: HandoffTypeConfig = {
      ...orderType,
      name: `Orders ${EVIL}`,
      fields: orderType.fields.map((f) => ({ ...f, label: `${f.label} ${EVIL}` })),
    };
    const h = row({ state: 'done', ownerId: 'U0OPS1', fields, completion, title: buildTitle(type.name, type.fields, fields) });
    const msg = buildHandoffPost(ctx(h, type, { ...ops, name: `Ops ${EVIL}` }), NOW);
    const json = JSON.stringify(msg);
    // The text reached the message, escaped.
    expect(json).toContain(`&lt;!channel&gt; @${ZWSP}here &lt;https://x|y&gt; &amp; &lt;!everyone&gt;`);
    for (const s of mrkdwnStrings(msg)) {
      expect(s).not.toContain('<!channel>');
      expect(s).not.toContain('<!here>');
      expect(s).not.toContain('<!everyone>');
      expect(s).not.toContain('<https://x|y>');
      expect(s).not.toMatch(/@(channel|here|everyone)\b/);
      expect(hasSpecialMention(s)).toBe(false);
    }
    // The header is plain_text, which Slack never parses for mentions or links: it shows what was typed,
    // and escaping it would show "&lt;" literally.
    const header = ofType(msg.blocks[0], 'header');
    expect(header.text.type).toBe('plain_text');
    expect(header.text.text).toBe(truncate(`#7 ${h.title}`, 150));
    // Nothing else carries the raw text: outside the header there is no raw mention anywhere in the JSON.
    const rest = JSON.stringify({ text: msg.text, blocks: msg.blocks.slice(1) });
    expect(rest).not.toContain('<!channel>');
    expect(rest).not.toContain('<!here>');
    expect(rest).not.toContain('<https://x|y>');
    expect(rest).not.toMatch(/@here\b/);
  });

  it('stays within Slack limits with 40 long fields and 40 long completion fields', () => {
    const many = (prefix: string): FieldConfig[] =>
      Array.from({ length: 40 }, (_, i) => ({ key: `${prefix}${i}`, label: `${'Label & '.repeat(200)}${i}`, type: 'longtext' as const, required: false, unique: false }));
    const type: HandoffTypeConfig = { ...orderType, name: 'N'.repeat(75), fields: many('f'), completion: { fields: many('c') } };
    const value = `${'&<>@here '.repeat(400)}`;
    const fields = Object.fromEntries(type.fields.map((f) => [f.key, value]));
    const completion = Object.fromEntries(type.completion.fields.map((f) => [f.key, value]));
    for (const state of ['open', 'accepted', 'done'] as const) {
      const msg = buildHandoffPost(ctx(row({ state, ownerId: 'U0OPS1', fields, completion, title: `${'T'.repeat(75)}: ${'x'.repeat(250)}` }), type), NOW);
      checkLimits(msg);
      const fieldSections = allOfType(msg.blocks, 'section').filter((b) => b.fields);
      expect(fieldSections).toHaveLength(8); // 40 + 40 fields, 10 per section
      expect(fieldSections.flatMap((b) => b.fields)).toHaveLength(80);
      expect(ofType(msg.blocks[0], 'header').text.text).toHaveLength(150);
      expect(ofType(msg.blocks[0], 'header').text.text.endsWith(TRUNCATION_MARKER)).toBe(true);
      for (const s of mrkdwnStrings(msg)) expect(hasSpecialMention(s)).toBe(false);
    }
  });

  it.each<[HandoffState, string[]]>([
    ['open', [ActionId.accept, ActionId.reject, ActionId.reassign, ActionId.cancel, ActionId.history]],
    ['accepted', [ActionId.complete, ActionId.reassign, ActionId.release, ActionId.cancel, ActionId.history]],
    ['returned', [ActionId.resubmit, ActionId.history]],
    ['done', [ActionId.history]],
    ['cancelled', [ActionId.history]],
  ])('shows the buttons for %s, History on every post', (state, actionIds) => {
    const msg = buildHandoffPost(ctx(row({ state, ownerId: state === 'open' || state === 'returned' ? 'U0REQ' : 'U0OPS1' })), NOW);
    const actions = msg.blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(1);
    expect(actions[0].block_id).toBe(`${BlockId.actions}:7`);
    expect(actions[0].elements.map((e) => e.action_id)).toEqual(actionIds);
    for (const e of actions[0].elements) expect(ofType(e, 'button').value).toBe('7');
  });

  it('asks for confirmation before cancel and release', () => {
    const open = buildHandoffPost(ctx(row()), NOW).blocks.find((b) => b.type === 'actions');
    const cancel = ofType(open?.elements.find((e) => e.action_id === ActionId.cancel), 'button');
    expect(cancel.style).toBe('danger');
    expect(cancel.confirm?.confirm?.text).toBe('Cancel it');
    const accepted = buildHandoffPost(ctx(row({ state: 'accepted', ownerId: 'U0OPS1' })), NOW).blocks.find((b) => b.type === 'actions');
    expect(ofType(accepted?.elements.find((e) => e.action_id === ActionId.release), 'button').confirm?.confirm?.text).toBe('Release');
  });

  it('renders user and channel fields as mentions', () => {
    const h = row({ typeKey: 'anything-to-ops', fields: { request: 'Help', person: 'U0123ABCD', where: 'C0123ABCD', areas: ['Billing', 'Shipping'] } });
    const texts = ofType(buildHandoffPost(ctx(h, askType), NOW).blocks[2], 'section').fields?.map((f) => f.text);
    expect(texts).toEqual(['*Request*\nHelp', '*Areas*\nBilling, Shipping', '*Person*\n<@U0123ABCD>', '*Channel*\n<#C0123ABCD>']);
  });

  it('never throws, respects limits, and has no special mention for arbitrary field values (property)', () => {
    const typed = fc.string({ unit: 'binary', maxLength: 3000 });
    const slackId = (prefix: string) => fc.stringMatching(/^[A-Z0-9]{2,12}$/).map((s) => `${prefix}${s}`);
    const values = fc.record({
      request: typed,
      link: typed,
      contact: typed,
      areas: fc.array(typed, { maxLength: 5 }),
      person: slackId('U'),
      where: slackId('C'),
    });
    const states = fc.constantFrom<HandoffState>('open', 'accepted', 'returned', 'done', 'cancelled');
    fc.assert(
      fc.property(values, typed, states, fc.string({ unit: 'binary', maxLength: 75 }), (fields, tracking, state, teamName) => {
        const title = buildTitle(askType.name, askType.fields, fields);
        const type: HandoffTypeConfig = { ...askType, completion: { fields: [{ key: 'tracking', label: 'Tracking', type: 'text', required: true, unique: false }] } };
        const msg = buildHandoffPost(ctx(row({ typeKey: 'anything-to-ops', state, ownerId: 'U0OPS1', fields, completion: { tracking }, title }), type, { ...ops, name: teamName }), NOW);
        checkLimits(msg);
        for (const s of mrkdwnStrings(msg)) expect(hasSpecialMention(s)).toBe(false);
        expect(() => JSON.stringify(msg)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});

describe('describeEvent and buildEventDm', () => {
  const EVIL = '<!channel> see <https://evil|here> @here';

  it('escapes a rejection reason and quotes every line', () => {
    const h = row({ state: 'returned' });
    const text = describeEvent(event({ type: 'rejected', actorId: 'U0OPS1', data: { reason: `${EVIL}\nline 2` } }), h);
    expect(text).toBe(
      `:leftwards_arrow_with_hook: <@U0OPS1> returned *#7 New order to Operations: SO-12345* to <@U0REQ>:\n>&lt;!channel&gt; see &lt;https://evil|here&gt; @${ZWSP}here\n>line 2`,
    );
  });

  it('escapes the title in links and keeps it from breaking out of the link label', () => {
    const h = row({ title: 'a|b <!here> & c', permalink: 'https://slack.example/archives/C0OPS/p1' });
    expect(describeEvent(event({ type: 'accepted', actorId: 'U0OPS1' }), h)).toBe(
      ':raised_hands: <@U0OPS1> accepted <https://slack.example/archives/C0OPS/p1|#7 a¦b &lt;!here&gt; &amp; c> and owns it now.',
    );
  });

  it('tells the requester where the handoff was posted', () => {
    const dm = buildEventDm(ctx(row({ title: EVIL })), event(), 'U0REQ');
    expect(dm.text).toBe(`:outbox_tray: Your handoff *#7 &lt;!channel&gt; see &lt;https://evil¦here&gt; @${ZWSP}here* was posted in <#C0OPS> for Operations. You'll hear here when it is accepted.`);
    expect(dm.blocks).toHaveLength(2);
    expect(ofType(dm.blocks[1], 'actions').elements.map((e) => [e.action_id, ofType(e, 'button').value])).toEqual([[ActionId.history, '7']]);
  });

  it('gives the requester resubmit and cancel buttons on a return', () => {
    const h = row({ state: 'returned' });
    const dm = buildEventDm(ctx(h), event({ type: 'rejected', actorId: 'U0OPS1', data: { reason: 'Missing address' } }), 'U0REQ');
    const actions = dm.blocks.find((b) => b.type === 'actions');
    expect(actions?.elements.map((e) => e.action_id)).toEqual([ActionId.resubmit, ActionId.cancel, ActionId.history]);
    expect(dm.text).toBe(':leftwards_arrow_with_hook: <@U0OPS1> returned *#7 New order to Operations: SO-12345* to <@U0REQ>:');
  });

  it('tells a new owner it was assigned to them', () => {
    const h = row({ state: 'accepted', ownerId: 'U0OPS2' });
    const dm = buildEventDm(ctx(h), event({ type: 'reassigned', actorId: 'U0OPSLEAD', data: { previousOwner: 'U0OPS1', newOwner: 'U0OPS2' } }), 'U0OPS2');
    expect(dm.text).toBe(':inbox_tray: <@U0OPSLEAD> assigned *#7 New order to Operations: SO-12345* to you.');
  });
});

describe('buildFieldInputs → readFieldInput round trip', () => {
  // Every field type once: text, date, select, number (order-to-ops) and longtext, url, email, multiselect, user, channel (anything-to-ops).
  const fields: FieldConfig[] = [...orderType.fields, ...askType.fields];
  const prefill: FieldValues = {
    order_id: 'SO-12345',
    customer: 'ACME & Sons <x>',
    ship_by: '2026-03-10',
    priority: 'Urgent',
    quantity: 12.5,
    notes: 'line 1\nline 2',
    request: 'Please look at this',
    link: 'https://example.com/a?b=c',
    contact: 'ops@example.com',
    areas: ['Shipping', 'Billing'],
    person: 'U0123ABCD',
    where: 'C0123ABCD',
  };

  it('covers every field type', () => {
    expect(new Set(fields.map((f) => f.type))).toEqual(new Set(['text', 'longtext', 'number', 'date', 'select', 'multiselect', 'user', 'channel', 'url', 'email']));
  });

  /** What Slack reports in view.state.values for each element, given what the person left in it. */
  function stateFor(block: InputBlock, filled: boolean): Record<string, unknown> {
    const el = block.element;
    switch (el.type) {
      case 'plain_text_input':
      case 'number_input':
      case 'url_text_input':
      case 'email_text_input':
        return { type: el.type, value: filled ? (el.initial_value ?? null) : null };
      case 'datepicker':
        return { type: el.type, selected_date: filled ? (el.initial_date ?? null) : null };
      case 'static_select':
        return { type: el.type, selected_option: filled ? (el.initial_option ?? null) : null };
      case 'multi_static_select':
        return { type: el.type, selected_options: filled ? (el.initial_options ?? []) : [] };
      case 'users_select':
        return { type: el.type, selected_user: filled ? (el.initial_user ?? null) : null };
      case 'conversations_select':
        return { type: el.type, selected_conversation: filled ? (el.initial_conversation ?? null) : null };
      default:
        throw new Error(`unexpected element ${el.type}`);
    }
  }

  const stateValues = (blocks: InputBlock[], filled: boolean) => Object.fromEntries(blocks.map((b) => [b.block_id, { [b.element.action_id!]: stateFor(b, filled) }]));

  it('builds the right element for each field type', () => {
    const blocks = buildFieldInputs(fields, prefill);
    const types = Object.fromEntries(blocks.map((b) => [b.block_id, b.element.type]));
    expect(types).toEqual({
      'field:order_id': 'plain_text_input',
      'field:customer': 'plain_text_input',
      'field:ship_by': 'datepicker',
      'field:priority': 'static_select',
      'field:quantity': 'number_input',
      'field:notes': 'plain_text_input',
      'field:request': 'plain_text_input',
      'field:link': 'url_text_input',
      'field:contact': 'email_text_input',
      'field:areas': 'multi_static_select',
      'field:person': 'users_select',
      'field:where': 'conversations_select',
    });
    const byKey = (k: string) => blocks.find((b) => b.block_id === BlockId.field(k))?.element;
    expect(ofType(byKey('notes'), 'plain_text_input').multiline).toBe(true);
    expect(ofType(byKey('customer'), 'plain_text_input').multiline).toBe(false);
    expect(ofType(byKey('customer'), 'plain_text_input').max_length).toBe(250);
    expect(ofType(byKey('notes'), 'plain_text_input').max_length).toBe(3000);
    expect(byKey('quantity')).toMatchObject({ min_value: '1', max_value: '10000', is_decimal_allowed: true, initial_value: '12.5' });
    expect(blocks.find((b) => b.block_id === 'field:customer')?.optional).toBe(false);
    expect(blocks.find((b) => b.block_id === 'field:notes')?.optional).toBe(true);
    for (const b of blocks) expect(b.element.action_id).toBe(ActionId.fieldInput);
  });

  it('reads back exactly what was prefilled, and it validates to the same values', () => {
    const blocks = buildFieldInputs(fields, prefill);
    const raw = readFieldInput(stateValues(blocks, true));
    expect(raw).toEqual({
      order_id: 'SO-12345',
      customer: 'ACME & Sons <x>',
      ship_by: '2026-03-10',
      priority: 'Urgent',
      quantity: '12.5',
      notes: 'line 1\nline 2',
      request: 'Please look at this',
      link: 'https://example.com/a?b=c',
      contact: 'ops@example.com',
      areas: ['Shipping', 'Billing'],
      person: 'U0123ABCD',
      where: 'C0123ABCD',
    });
    const { values, errors } = validateFields(fields, raw, NOW);
    expect(errors).toEqual({});
    expect(values).toEqual(prefill);
  });

  it('reads an untouched empty form as nothing entered, so required fields get errors', () => {
    const blocks = buildFieldInputs(fields);
    for (const b of blocks) {
      expect(propertyOf(b.element, 'initial_value')).toBeUndefined();
      expect(propertyOf(b.element, 'initial_option')).toBeUndefined();
      expect(propertyOf(b.element, 'initial_options')).toBeUndefined();
    }
    const raw = readFieldInput(stateValues(blocks, false));
    expect(raw.areas).toEqual([]);
    for (const [k, v] of Object.entries(raw)) if (k !== 'areas') expect(v).toBeNull();
    const { values, errors } = validateFields(fields, raw, NOW);
    expect(values).toEqual({});
    expect(Object.keys(errors).sort()).toEqual(['customer', 'order_id', 'priority', 'request', 'ship_by'].sort());
  });

  it('drops a stale prefilled option instead of offering it', () => {
    const blocks = buildFieldInputs(fields, { priority: 'Legacy', areas: ['Billing', 'Legacy'] });
    expect(ofType(blocks.find((b) => b.block_id === 'field:priority')?.element, 'static_select').initial_option).toBeUndefined();
    expect(ofType(blocks.find((b) => b.block_id === 'field:areas')?.element, 'multi_static_select').initial_options?.map((o) => o.value)).toEqual(['Billing']);
  });

  it('ignores blocks that are not fields and malformed values', () => {
    expect(readFieldInput({ reason: { value: { type: 'plain_text_input', value: 'x' } }, 'field:a': { other: { value: 'y' } }, 'field:b': { value: { value: 42 } } })).toEqual({ a: null, b: null });
    expect(readFieldInput(undefined)).toEqual({});
  });
});

describe('modals', () => {
  const longName = 'A very long handoff type name that keeps on going past the limit';
  const limits = (m: Modal) => {
    expect(m.title.text.length).toBeLessThanOrEqual(24);
    if (m.submit) expect(m.submit.text.length).toBeLessThanOrEqual(24);
    if (m.close) expect(m.close.text.length).toBeLessThanOrEqual(24);
    expect(m.blocks.length).toBeLessThanOrEqual(100);
    if (m.private_metadata) expect(m.private_metadata.length).toBeLessThanOrEqual(3000);
  };

  it('cuts a long type name to a 24-character title with an ellipsis', () => {
    const m = buildHandoffFormModal('order-to-ops', { ...orderType, name: longName });
    expect(m.title.text).toBe(`${longName.slice(0, 23).trimEnd()}…`);
    expect(m.title.text.length).toBeLessThanOrEqual(24);
    limits(m);
  });

  it('the form remembers what it edits', () => {
    const m = buildHandoffFormModal('order-to-ops', orderType, { handoffId: 7, note: '<!channel> fix it' });
    expect(m.callback_id).toBe(CallbackId.form);
    expect(JSON.parse(m.private_metadata!)).toEqual({ typeKey: 'order-to-ops', handoffId: 7 });
    expect(m.submit?.text).toBe('Resubmit');
    expect(ofType(m.blocks[0], 'section').text?.text).toBe('*Returned because:* &lt;!channel&gt; fix it');
    expect(buildHandoffFormModal('order-to-ops', orderType, { parentId: 3 }).submit?.text).toBe('Send');
    limits(m);
  });

  it('every modal respects the title and block limits', () => {
    const type40: HandoffTypeConfig = {
      ...orderType,
      name: longName,
      description: 'd'.repeat(2000),
      fields: Array.from({ length: 40 }, (_, i) => ({ key: `f${i}`, label: `Field ${i}`, type: 'text' as const, required: false, unique: false })),
      completion: { fields: Array.from({ length: 40 }, (_, i) => ({ key: `c${i}`, label: `C ${i}`, type: 'text' as const, required: false, unique: false })) },
    };
    limits(buildHandoffFormModal('x', type40, { handoffId: 1, note: 'n'.repeat(3000) }));
    limits(buildTypePickerModal([['x', type40]]));
    limits(buildTypePickerModal([]));
    limits(buildRejectModal(1, 'T'.repeat(300)));
    limits(buildRejectModal(1, 'T'.repeat(300), type40.fields));
    limits(buildHandoffFormModal('x', type40, { handoffId: 1, note: 'n'.repeat(3000), flagged: type40.fields.map((f) => f.key), somethingElse: true }));
    limits(buildCompleteModal(1, 'T'.repeat(300), type40));
    limits(buildReassignModal(1, 'T'.repeat(300), 'Operations'));
    for (const b of buildHandoffFormModal('x', type40).blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
  });
});
