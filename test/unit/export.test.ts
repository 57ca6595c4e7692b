import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli';
import { loadWorkflow } from '../../src/config/load-config';
import { HandoffRepo } from '../../src/db/handoff-repo';
import { MetricsRepo } from '../../src/db/metrics-repo';
import { type OpenDb, openDb } from '../../src/db/open-db';
import { handoffs } from '../../src/db/schema';
import type { FieldValues } from '../../src/domain/fields';
import type { HandoffState } from '../../src/domain/lifecycle';
import { exportHandoffs } from '../../src/services/export-service';

const FIXTURE = resolve(__dirname, '../fixtures/handoff.config.yaml');
const config = loadWorkflow(FIXTURE);
const T = (iso: string) => new Date(iso);

/** An RFC 4180 reader written for the test, independent of the writer: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell).toBe(''); // the last record ends with CRLF too
  return rows;
}

let dir: string;
let handle: OpenDb;

function seed(o: { typeKey: string; toTeam: string; state: HandoffState; fields: FieldValues; completion?: FieldValues; created: string; accepted?: string; closed?: string }): number {
  const repo = new HandoffRepo(handle.db);
  const at = T(o.created);
  const { handoff } = repo.transaction((tx) =>
    repo.create(
      tx,
      { typeKey: o.typeKey, fromTeam: null, toTeam: o.toTeam, state: o.state, requesterId: 'U0SALES1', ownerId: 'U0OPS1', title: `${o.typeKey} title`, fields: o.fields, createdAt: at, updatedAt: at, queuedAt: at, channelId: 'C0OPS' },
      { type: 'created', actorId: 'U0SALES1', at, fromState: null, toState: 'open', data: {} },
      [],
      () => [],
    ),
  );
  handle.db
    .update(handoffs)
    .set({ completion: o.completion ?? null, acceptedAt: o.accepted ? T(o.accepted) : null, closedAt: o.closed ? T(o.closed) : null, updatedAt: T(o.closed ?? o.accepted ?? o.created) })
    .where(eq(handoffs.id, handoff.id))
    .run();
  return handoff.id;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'handoff-export-'));
  handle = openDb(`file:${join(dir, 'h.db')}`);
  seed({ typeKey: 'order-to-ops', toTeam: 'ops', state: 'done', fields: { order_id: 'SO-1' }, created: '2026-10-01T09:00:00Z' }); // before --since
  // ops has no hours in the fixture: business time runs round the clock in UTC.
  seed({
    typeKey: 'order-to-ops',
    toTeam: 'ops',
    state: 'done',
    fields: { order_id: 'SO-12345', customer: 'ACME, "Intl"\r\nBranch', ship_by: '2026-12-01', priority: 'Urgent', quantity: 3, notes: '=HYPERLINK("http://x")' },
    completion: { tracking: '1Z9' },
    created: '2026-11-02T09:00:00Z',
    accepted: '2026-11-02T10:30:00Z',
    closed: '2026-11-03T12:00:00Z',
  });
  seed({ typeKey: 'anything-to-ops', toTeam: 'ops', state: 'open', fields: { request: '-5 units, please', areas: ['Billing', 'Shipping'], contact: 'a@b.co' }, created: '2026-11-04T09:00:00Z' });
  // A type since removed from the config: its fields still get columns.
  seed({ typeKey: 'legacy-type', toTeam: 'gone', state: 'cancelled', fields: { legacy_key: 7.5 }, created: '2026-11-05T09:00:00Z', closed: '2026-11-05T10:00:00Z' });
});

afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

async function exportAs(format: 'csv' | 'jsonl'): Promise<string> {
  let out = '';
  const n = await exportHandoffs({ config, metrics: new MetricsRepo(handle.db), now: T('2026-11-23T10:00:00Z') }, { since: T('2026-11-01T00:00:00Z'), format }, async (chunk) => {
    out += chunk;
  });
  expect(n).toBe(3);
  return out;
}

const FIELD_COLUMNS = ['field.order_id', 'field.customer', 'field.ship_by', 'field.priority', 'field.quantity', 'field.notes', 'field.request', 'field.contact', 'field.areas', 'field.legacy_key'];

describe('export', () => {
  it('writes JSONL with values as typed, one column per field key across types', async () => {
    const lines = (await exportAs('jsonl')).split('\n');
    expect(lines.pop()).toBe('');
    const [order, ask, legacy] = lines.map((l) => JSON.parse(l));
    expect(Object.keys(order)).toEqual([
      'id', 'type', 'type_name', 'from_team', 'to_team', 'state', 'title', 'requester_id', 'owner_id', 'parent_id',
      'created_at', 'queued_at', 'accepted_at', 'closed_at', 'updated_at', 'accept_due_at', 'complete_due_at',
      'time_to_accept_business_minutes', 'time_to_complete_business_minutes', 'total_minutes', 'permalink',
      ...FIELD_COLUMNS, 'completion.tracking',
    ]);
    expect(order).toMatchObject({
      id: 2,
      type: 'order-to-ops',
      type_name: 'New order to Operations',
      state: 'done',
      created_at: '2026-11-02T09:00:00.000Z',
      accepted_at: '2026-11-02T10:30:00.000Z',
      // 90 business minutes to accept; 25.5 h to complete; 27 h from creation to closing.
      time_to_accept_business_minutes: 90,
      time_to_complete_business_minutes: 1530,
      total_minutes: 1620,
      'field.customer': 'ACME, "Intl"\r\nBranch',
      'field.quantity': 3,
      'field.notes': '=HYPERLINK("http://x")',
      'field.request': null,
      'completion.tracking': '1Z9',
    });
    expect(ask).toMatchObject({ id: 3, state: 'open', accepted_at: null, time_to_accept_business_minutes: null, total_minutes: null, 'field.areas': ['Billing', 'Shipping'], 'field.order_id': null });
    expect(legacy).toMatchObject({ id: 4, type_name: 'legacy-type', 'field.legacy_key': 7.5, total_minutes: 60 });
  });

  it('writes CSV that an RFC 4180 reader gives back: the same records, quoted where needed', async () => {
    const csv = await exportAs('csv');
    const jsonl = (await exportAs('jsonl'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual(Object.keys(jsonl[0]));
    expect(rows).toHaveLength(3);
    rows.forEach((row, r) => {
      header.forEach((column, c) => {
        const v = jsonl[r][column];
        const expected = v === null ? '' : Array.isArray(v) ? v.join('; ') : String(v);
        // Text a spreadsheet would run as a formula is defused with a leading apostrophe.
        expect(row[c], `${column} of row ${r + 1}`).toBe(typeof v === 'string' && /^[=+\-@]/.test(v) ? `'${expected}` : expected);
      });
    });
    expect(csv).toContain('"ACME, ""Intl""\r\nBranch"');
    expect(csv).toContain(`"'-5 units, please"`);
  });

  it('runs from the command line, to a file or stdout, and explains bad options', async () => {
    const out = join(dir, 'out.jsonl');
    const env = { DATABASE_URL: `file:${join(dir, 'h.db')}`, HANDOFF_CONFIG: FIXTURE };
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runCli(['export', '--since', '2026-11-03', '--format', 'jsonl', '--out', out], env)).toBe(0);
      expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([3, 4]);
      expect(await runCli(['export'], env)).toBe(2);
      expect(await runCli(['export', '--since', 'yesterday'], env)).toBe(2);
      expect(await runCli(['export', '--since', '2026-11-01', '--format', 'xlsx'], env)).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('\n')).toContain('--since <date> is required');
    } finally {
      err.mockRestore();
    }
  });
});
