import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/config/load-config';
import { fieldSchema } from '../../src/config/workflow-schema';
import { buildQualityReport, cellsOfFacts, compareTypeVersions, computeQualityFigures, type QualityCells, type QualityEvent, qualityFactsOf, type ResubmissionCell } from '../../src/domain/quality-metrics';
import { fieldKeyFor, suggestTypeChanges } from '../../src/domain/quality-suggestions';
import { typeVersionOf } from '../../src/domain/type-version';

const config = loadWorkflow(resolve(__dirname, '../fixtures/handoff.config.yaml'));
const order = config.handoffTypes['order-to-ops'];
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-03-31T00:00:00Z');
const t = (daysAgo: number) => NOW.getTime() - daysAgo * DAY;

let nextEventId = 1;
function ev(handoffId: number, kind: QualityEvent['kind'], at: number, extra: Partial<QualityEvent> = {}): QualityEvent {
  return { eventId: nextEventId++, handoffId, typeKey: 'order-to-ops', fromTeam: 'sales', toTeam: 'ops', typeVersion: 'v1', kind, at, createdAt: at - 1000, flaggedFields: [], somethingElse: false, reason: null, ...extra };
}
/** The cells of single facts, as the repository reads them for the days a boundary cuts: each handoff's events in the order given. */
function cellsOf(events: readonly QualityEvent[]): QualityCells {
  const ids = [...new Set(events.map((e) => e.handoffId))];
  return cellsOfFacts(ids.flatMap((id) => qualityFactsOf(events.filter((e) => e.handoffId === id))));
}
const minutesLost = (r: ResubmissionCell) => (r.at - r.returnedAt) / 60_000;

describe('quality figures', () => {
  it('counts a handoff in the period of its first decision, and returns and time lost where they happened', () => {
    const events = [
      ev(1, 'returned', t(10), { flaggedFields: ['ship_by'] }), // first decided in the previous period
      ev(1, 'resubmitted', t(6)),
      ev(1, 'accepted', t(5)),
      ev(2, 'accepted', t(3)),
      ev(3, 'returned', t(2), { flaggedFields: ['ship_by', 'priority'], reason: 'date' }),
      ev(3, 'resubmitted', t(2) + 90 * 60_000),
    ];
    const report = buildQualityReport(cellsOf(events), NOW, 7, { minutesLost });
    const c = report.totals.current;
    expect([c.decided, c.firstTimeRight, c.returns, c.returnsOfDecided]).toEqual([2, 1, 1, 1]);
    expect(c.flaggedFields).toEqual([
      { key: 'priority', count: 1, topReason: 'date' },
      { key: 'ship_by', count: 1, topReason: 'date' },
    ]);
    expect(c.timeLost).toEqual({ count: 2, totalMinutes: 4 * 24 * 60 + 90, median: (4 * 24 * 60 + 90) / 2, p90: expect.any(Number) });
    const p = report.totals.previous;
    expect([p.decided, p.firstTimeRight, p.returns]).toEqual([1, 0, 1]);
    expect(report.byPair.map((g) => g.key)).toEqual(['sales→ops']);
  });

  it('counts time lost from the return a resubmission answers, also when the return was before the period', () => {
    // Returned, resubmitted, declined by an approver (not a quality event) and resubmitted again:
    // the second resubmission answers no return, so it loses no time to one.
    const events = [ev(1, 'returned', t(10)), ev(1, 'resubmitted', t(8)), ev(1, 'resubmitted', t(3)), ev(2, 'returned', t(9)), ev(2, 'resubmitted', t(6))];
    expect(qualityFactsOf(events.filter((e) => e.handoffId === 1)).map((f) => f.returnedAt)).toEqual([null, t(10), null]);
    const f = computeQualityFigures(cellsOf(events), { from: new Date(t(7)), to: NOW }, { minutesLost });
    expect(f.timeLost).toMatchObject({ count: 1, totalMinutes: 3 * 24 * 60 });
  });

  it('shows the reason in the words of the earliest return, by handoff then event', () => {
    const events = [ev(2, 'returned', t(3), { flaggedFields: ['ship_by'], reason: 'Missing date' }), ev(1, 'returned', t(2), { flaggedFields: ['ship_by'], reason: 'missing DATE!' })];
    const f = computeQualityFigures(cellsOf(events), { from: new Date(t(7)), to: NOW }, { minutesLost });
    expect(f.flaggedFields).toEqual([{ key: 'ship_by', count: 2, topReason: 'missing DATE!' }]);
  });

  it('counts a handoff returned twice as bounced more than once', () => {
    const f = computeQualityFigures(cellsOf([ev(1, 'returned', t(3)), ev(1, 'resubmitted', t(3)), ev(1, 'returned', t(2))]), { from: new Date(t(7)), to: NOW }, { minutesLost });
    expect([f.decided, f.firstTimeRight, f.bouncedMoreThanOnce, f.returnsOfDecided]).toEqual([1, 0, 1, 2]);
  });
});

describe('suggestions', () => {
  const returns = (n: number, flaggedEvery: number, field: string) =>
    Array.from({ length: n }, (_, i) => ev(i + 1, 'returned', t(1), { flaggedFields: i < flaggedEvery ? [field] : [], reason: 'x' }));
  const suggest = (events: QualityEvent[]) => suggestTypeChanges('order-to-ops', order, computeQualityFigures(cellsOf(events), { from: new Date(t(30)), to: NOW }, { minutesLost }));

  it('needs a quarter of the returns and at least 3', () => {
    expect(suggest(returns(13, 3, 'notes'))).toEqual([]); // 3 of 13 < 25%
    expect(suggest(returns(12, 3, 'notes')).map((s) => s.kind)).toEqual(['require']); // 3 of 12 = 25%
    expect(suggest(returns(2, 2, 'notes'))).toEqual([]); // 100%, but only twice
  });

  it('writes YAML lines that parse and pass the field schema', () => {
    const all = [...suggest(returns(4, 4, 'quantity')), ...suggest(returns(4, 4, 'order_id'))];
    expect(all.map((s) => s.kind)).toEqual(['require', 'pattern_or_hint']);
    for (const s of all) expect(fieldSchema.safeParse(parse(s.yaml)[0]).success, s.yaml).toBe(true);
    expect(parse(all[0].yaml)[0]).toEqual({ key: 'quantity', label: 'Quantity', type: 'number', required: true, min: 1, max: 10000 });
    expect(parse(all[1].yaml)[0]).toMatchObject({ key: 'order_id', unique: true, pattern: '^[A-Z]{2}-[0-9]{4,}$', hint: 'Often returned: x' });
  });

  it('makes a field key from a reason, distinct from the type’s keys', () => {
    expect(fieldKeyFor('Needs customs form!', new Set())).toBe('needs_customs_form');
    expect(fieldKeyFor('Customer', new Set(['customer']))).toBe('customer_2');
    expect(fieldKeyFor('42 pallets', new Set())).toBe('field_42_pallets');
    expect(fieldKeyFor('constructor', new Set())).toBe('constructor_2');
    expect(fieldKeyFor('ü'.repeat(80), new Set())).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});

describe('type versions', () => {
  it('hashes the definition as loaded, whatever the key order', () => {
    expect(typeVersionOf({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(typeVersionOf({ b: [{ d: 3, c: 2 }], a: 1 }));
    expect(typeVersionOf(order)).not.toBe(typeVersionOf({ ...order, fields: order.fields.map((f) => (f.key === 'notes' ? { ...f, required: true } : f)) }));
    expect(typeVersionOf(order)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('splits first-time right at each change of version, over the handoffs first decided in the window', () => {
    const events = [
      ev(6, 'accepted', t(70), { typeVersion: 'old' }), // decided before the window: not compared
      ev(1, 'returned', t(20), { typeVersion: 'old' }),
      ev(1, 'resubmitted', t(19), { typeVersion: 'old' }),
      ev(1, 'accepted', t(18), { typeVersion: 'old' }),
      ev(2, 'accepted', t(19), { typeVersion: 'old' }),
      ev(3, 'accepted', t(5), { typeVersion: 'new' }),
      ev(4, 'accepted', t(4), { typeVersion: 'new' }),
      ev(5, 'accepted', t(4), { typeVersion: null }),
    ];
    const changes = compareTypeVersions(cellsOf(events).decisions, { from: new Date(t(60)), to: NOW });
    expect(changes).toEqual([{ before: { version: 'old', since: t(20) - 1000, decided: 2, firstTimeRight: 1 }, after: { version: 'new', since: t(5) - 1000, decided: 2, firstTimeRight: 2 } }]);
  });
});
