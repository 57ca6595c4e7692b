import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli';
import { loadWorkflow } from '../../src/config/load-config';
import { HandoffRepo } from '../../src/db/handoff-repo';
import { MetricsRepo } from '../../src/db/metrics-repo';
import { type OpenDb, openDb } from '../../src/db/open-db';
import { events, handoffs } from '../../src/db/schema';
import type { FieldValues } from '../../src/domain/fields';
import type { HandoffState } from '../../src/domain/lifecycle';
import { csvCell } from '../../src/domain/export';
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

async function seed(o: { typeKey: string; toTeam: string; state: HandoffState; fields: FieldValues; completion?: FieldValues; created: string; accepted?: string; closed?: string }): Promise<number> {
  const repo = new HandoffRepo(handle);
  const at = T(o.created);
  const { handoff } = await repo.transaction(async (tx) =>
    await repo.create(
      tx,
      { typeKey: o.typeKey, fromTeam: null, toTeam: o.toTeam, state: o.state, requesterId: 'U0SALES1', ownerId: 'U0OPS1', title: `${o.typeKey} title`, fields: o.fields, createdAt: at, updatedAt: at, queuedAt: at, channelId: 'C0OPS' },
      { type: 'created', actorId: 'U0SALES1', at, fromState: null, toState: 'open', data: {} },
      [],
      () => [],
    ),
  );
  await handle.db
    .update(handoffs)
    .set({ completion: o.completion ?? null, acceptedAt: o.accepted ? T(o.accepted) : null, closedAt: o.closed ? T(o.closed) : null, updatedAt: T(o.closed ?? o.accepted ?? o.created) })
    .where(eq(handoffs.id, handoff.id));
  return handoff.id;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'handoff-export-'));
  handle = openDb(`file:${join(dir, 'h.db')}`);
  await seed({ typeKey: 'order-to-ops', toTeam: 'ops', state: 'done', fields: { order_id: 'SO-1' }, created: '2026-10-01T09:00:00Z' }); // before --since
  // ops has no hours in the fixture: business time runs round the clock in UTC.
  await seed({
    typeKey: 'order-to-ops',
    toTeam: 'ops',
    state: 'done',
    fields: { order_id: 'SO-12345', customer: 'ACME, "Intl"\r\nBranch', ship_by: '2026-12-01', priority: 'Urgent', quantity: 3, notes: '=HYPERLINK("http://x")' },
    completion: { tracking: '1Z9' },
    created: '2026-11-02T09:00:00Z',
    accepted: '2026-11-02T10:30:00Z',
    closed: '2026-11-03T12:00:00Z',
  });
  await seed({ typeKey: 'anything-to-ops', toTeam: 'ops', state: 'open', fields: { request: '-5 units, please', areas: ['Billing', 'Shipping'], contact: 'a@b.co' }, created: '2026-11-04T09:00:00Z' });
  // A type since removed from the config: its fields still get columns.
  await seed({ typeKey: 'legacy-type', toTeam: 'gone', state: 'cancelled', fields: { legacy_key: 7.5 }, created: '2026-11-05T09:00:00Z', closed: '2026-11-05T10:00:00Z' });
});

afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

async function exportAs(format: 'csv' | 'jsonl'): Promise<string> {
  let out = '';
  const n = await exportHandoffs({ config, metrics: new MetricsRepo(handle), now: T('2026-11-23T10:00:00Z') }, { since: T('2026-11-01T00:00:00Z'), format }, async (chunk) => {
    out += chunk;
  });
  expect(n).toBe(3);
  return out;
}

const FIELD_COLUMNS = ['field.order_id', 'field.customer', 'field.ship_by', 'field.priority', 'field.quantity', 'field.notes', 'field.request', 'field.contact', 'field.areas', 'field.legacy_key'];

describe('export', () => {
  it('carries each return with the fields it flagged, in JSONL and CSV', async () => {
    const at = T('2026-11-02T09:30:00Z');
    await handle.db
      .insert(events)
      .values([
        { handoffId: 2, type: 'rejected', actorId: 'U0OPS1', at, fromState: 'open', toState: 'returned', data: { reason: 'r', flaggedFields: ['ship_by', 'priority'], somethingElse: true } },
        { handoffId: 2, type: 'resubmitted', actorId: 'U0SALES1', at, fromState: 'returned', toState: 'open', data: {} },
        { handoffId: 2, type: 'rejected', actorId: 'U0OPS1', at, fromState: 'open', toState: 'returned', data: { reason: 'older return, no flags' } },
      ]);
    const [order, ask] = (await exportAs('jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    expect(order).toMatchObject({ returns: 2, returns_flagged: ['ship_by,priority,_something_else', ''] });
    expect(ask).toMatchObject({ returns: 0, returns_flagged: [] });
    const csv = (await exportAs('csv')).split('\r\n');
    const header = csv[0].split(',');
    expect(header.slice(header.indexOf('returns'), header.indexOf('returns') + 2)).toEqual(['returns', 'returns_flagged']);
    expect(csv[1]).toContain(',2,"ship_by,priority,_something_else; ",');
  });

  it('writes JSONL with values as typed, one column per field key across types', async () => {
    const lines = (await exportAs('jsonl')).split('\n');
    expect(lines.pop()).toBe('');
    const [order, ask, legacy] = lines.map((l) => JSON.parse(l));
    expect(Object.keys(order)).toEqual([
      'id', 'type', 'type_name', 'from_team', 'to_team', 'state', 'title', 'requester_id', 'owner_id', 'parent_id',
      'created_at', 'queued_at', 'accepted_at', 'closed_at', 'updated_at', 'accept_due_at', 'complete_due_at',
      'time_to_accept_business_minutes', 'time_to_complete_business_minutes', 'total_minutes', 'permalink', 'returns', 'returns_flagged',
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

/** Runs the CLI in-process and returns its exit code and what it printed on stderr. */
async function runQuiet(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const code = await runCli(argv, env);
    return { code, stderr: err.mock.calls.map((c) => c.map(String).join(' ')).join('\n') };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

describe('export --out', () => {
  const env = () => ({ DATABASE_URL: `file:${join(dir, 'h.db')}`, HANDOFF_CONFIG: FIXTURE });
  const since = ['export', '--since', '2026-11-01', '--format', 'jsonl'];
  const ids = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);

  it('creates a new file readable by its owner only (mode 0600)', async () => {
    const out = join(dir, 'new.jsonl');
    expect((await runQuiet([...since, '--out', out], env())).code).toBe(0);
    expect(ids(out)).toEqual([2, 3, 4]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite an existing file without --force, and replaces it (mode 0600) with --force', async () => {
    const out = join(dir, 'old.jsonl');
    writeFileSync(out, 'keep me\n', { mode: 0o644 });
    const refused = await runQuiet([...since, '--out', out], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`handoff export: ${out} already exists; choose another name or add --force to replace it`);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');

    expect((await runQuiet([...since, '--out', out, '--force'], env())).code).toBe(0);
    expect(ids(out)).toEqual([2, 3, 4]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('never writes through a symbolic link: refused, and with --force the link itself is replaced', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const link = join(dir, 'link.jsonl');
    symlinkSync(victim, link);
    expect((await runQuiet([...since, '--out', link], env())).code).toBe(1);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');

    // A dangling link is in the way too (it would create its target).
    const dangling = join(dir, 'dangling.jsonl');
    symlinkSync(join(dir, 'created-through-link.txt'), dangling);
    expect((await runQuiet([...since, '--out', dangling], env())).code).toBe(1);
    expect(existsSync(join(dir, 'created-through-link.txt'))).toBe(false);

    expect((await runQuiet([...since, '--out', link, '--force'], env())).code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(ids(link)).toEqual([2, 3, 4]);
  });

  it('reports a folder or a missing folder as --out in one line, without a stack, and leaves no temporary file', async () => {
    const folder = join(dir, 'exports');
    mkdirSync(folder);
    for (const force of [[], ['--force']]) {
      const asFolder = await runQuiet([...since, '--out', folder, ...force], env());
      expect(asFolder.code).toBe(1);
      expect(asFolder.stderr).toBe(`handoff export: ${folder} is a folder; name a file in it instead`);
    }
    const missing = await runQuiet([...since, '--out', join(dir, 'no', 'such', 'x.csv')], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`handoff export: folder ${join(dir, 'no', 'such')} does not exist`);
    expect(existsSync(join(dir, 'no'))).toBe(false);
    expect(readFileSync(join(dir, 'h.db')).length).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('takes a flag after --out as a missing value, not as a file name', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const result = await runQuiet(['export', '--out', '--since', '2026-11-01'], env());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Option '--out' argument is ambiguous");
      expect(result.stderr).toContain('Usage: handoff <command>');
      expect(existsSync(join(dir, '--since'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('read-only commands and a mistyped DATABASE_URL', () => {
  it('export, webhooks status and backup refuse a database that does not exist, naming it, and create nothing', async () => {
    const url = `file:${join(dir, 'typo', 'handoff.db')}`;
    const env = { DATABASE_URL: url, HANDOFF_CONFIG: FIXTURE };
    for (const argv of [['export', '--since', '2026-11-01'], ['webhooks', 'status'], ['backup', join(dir, 'b.db')]]) {
      const result = await runQuiet(argv, env);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.stderr.split('\n'), argv.join(' ')).toHaveLength(1);
      expect(result.stderr).toContain(`no database at ${join(dir, 'typo', 'handoff.db')} (DATABASE_URL "${url}")`);
      expect(result.stderr).toContain("point DATABASE_URL at the bot's database file");
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
    expect(existsSync(join(dir, 'b.db'))).toBe(false);
  });

  it('refuses a file that is not a Handoff database, and one that needs migrations', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'these are not the tables you are looking for, '.repeat(20));
    const notDb = await runQuiet(['export', '--since', '2026-11-01'], { DATABASE_URL: `file:${text}`, HANDOFF_CONFIG: FIXTURE });
    expect(notDb.code).toBe(1);
    expect(notDb.stderr).toMatch(/is not a SQLite database/);

    const other = join(dir, 'other.db');
    const { default: Database } = await import('better-sqlite3');
    const foreign = new Database(other);
    foreign.exec('CREATE TABLE t (x)');
    foreign.close();
    const foreignResult = await runQuiet(['webhooks', 'status'], { DATABASE_URL: `file:${other}`, HANDOFF_CONFIG: FIXTURE });
    expect(foreignResult.code).toBe(1);
    expect(foreignResult.stderr).toContain(`${other} (DATABASE_URL "file:${other}") is not a Handoff database`);

    handle.sqlite.exec('DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)');
    const behind = await runQuiet(['export', '--since', '2026-11-01'], { DATABASE_URL: `file:${join(dir, 'h.db')}`, HANDOFF_CONFIG: FIXTURE });
    expect(behind.code).toBe(1);
    expect(behind.stderr).toContain('run "handoff migrate" (or start the bot) first');
  });
});

describe('CSV cells a spreadsheet would run as formulas', () => {
  /** Independent of the writer: a cell is dangerous when, past leading whitespace, it starts a formula, or when it starts with a tab or CR. */
  const dangerous = (cell: string) => /^\s*[=+\-@]/.test(cell) || /^[\t\r]/.test(cell);
  const PAYLOADS = ['=1+1', ';=1+1', ';;=1+1', ' =1+1', '\t=1+1', '\r=1+1', '\n=1+1', ' ;@SUM(A1)', ';-2+3', 'a;=HYPERLINK("http://x")', 'a; +1', '\tnothing', '@cmd'];

  it('defuses them for a comma reader and for a semicolon reader (which splits cells at every ;)', async () => {
    for (const payload of PAYLOADS) {
      const [[cell]] = parseCsv(`${csvCell(payload)}\r\n`);
      expect(dangerous(cell), `comma reader, ${JSON.stringify(payload)} → ${JSON.stringify(cell)}`).toBe(false);
      for (const part of cell.split(';')) expect(dangerous(part), `semicolon reader, ${JSON.stringify(payload)} → ${JSON.stringify(cell)}`).toBe(false);
    }
    expect(csvCell(';=1+1')).toBe(";'=1+1");
    expect(csvCell(' =1+1')).toBe("' =1+1");
    expect(csvCell(['Billing', '-5'])).toBe("Billing;' -5");
  });

  it('leaves other text and numbers as they are', async () => {
    for (const safe of ['Apples; pears', 'a-b', 'x=1', '  plain', 'ok;ok', "'quoted"]) expect(csvCell(safe)).toBe(safe);
    expect(csvCell(-5)).toBe('-5');
  });
});

describe('file fields in the export', () => {
  it('CSV shows each file as name, link and id; a name cannot start a formula', async () => {
    const files = [
      { id: 'F01', name: 'po.pdf', permalink: 'https://acme.slack.com/files/U1/F01/po.pdf' },
      { id: 'F02', name: '=cmd.png', permalink: 'https://acme.slack.com/files/U1/F02/cmd.png' },
    ];
    expect(csvCell(files)).toBe("po.pdf https://acme.slack.com/files/U1/F01/po.pdf (F01);' =cmd.png https://acme.slack.com/files/U1/F02/cmd.png (F02)");
  });
});
