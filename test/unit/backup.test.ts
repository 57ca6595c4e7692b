import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli';
import { HandoffRepo } from '../../src/db/handoff-repo';
import { type OpenDb, openDb } from '../../src/db/open-db';

let dir: string;
let bot: OpenDb;
let repo: HandoffRepo;

/** A handoff written the way the bot writes one: the row, its event and its outbox rows in one transaction. */
async function insertHandoff(n: number, hold?: () => Promise<void>): Promise<void> {
  const at = new Date(Date.UTC(2026, 10, 2, 9, n));
  await repo.transaction(async (tx) => {
    await repo.create(
      tx,
      { typeKey: 'order-to-ops', fromTeam: null, toTeam: 'ops', state: 'open', requesterId: 'U0SALES1', ownerId: 'U0SALES1', title: `order ${n}`, fields: { order_id: `SO-${1000 + n}` }, createdAt: at, updatedAt: at, queuedAt: at, channelId: 'C0OPS' },
      { type: 'created', actorId: 'U0SALES1', at, fromState: null, toState: 'open', data: {} },
      [],
      () => [],
    );
    await hold?.();
  });
}

async function runQuiet(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const code = await runCli(argv, { DATABASE_URL: `file:${join(dir, 'live.db')}` });
    const text = (calls: unknown[][]) => calls.map((c) => c.map(String).join(' ')).join('\n');
    return { code, stdout: text(log.mock.calls), stderr: text(err.mock.calls) };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

function count(path: string, table: string): number {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    copy.close();
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'handoff-backup-'));
  // The running bot's connection: it stays open, writing, through every test.
  bot = openDb(`file:${join(dir, 'live.db')}`);
  // Keep every commit in the WAL file, as between the bot's checkpoints: a plain file copy of live.db would miss them.
  bot.sqlite.pragma('wal_autocheckpoint = 0');
  repo = new HandoffRepo(bot);
});

afterEach(async () => {
  await bot.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('handoff backup', () => {
  it('copies what is committed while the bot writes: WAL included, an open transaction left out and not blocked', async () => {
    for (let n = 1; n <= 25; n++) await insertHandoff(n);
    expect(statSync(join(dir, 'live.db-wal')).size).toBeGreaterThan(0);

    // The bot is in the middle of a write transaction (it holds the write lock) while the backup runs.
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writing = insertHandoff(26, async () => {
      entered();
      await gate;
    });
    await inside;
    const target = join(dir, 'backup.db');
    const result = await runQuiet(['backup', target]);
    release();
    await writing;
    await insertHandoff(27);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^handoff backup: ${target} written \\(25 handoffs, \\d+ KB\\), a snapshot as of \\d{4}-`));
    expect(count(target, 'handoffs')).toBe(25);
    expect(count(target, 'events')).toBe(25);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    // A copy the bot can open and migrate as its own database.
    const restored = openDb(`file:${target}`);
    expect((await new HandoffRepo(restored).findById(25))?.title).toBe('order 25');
    await restored.close();
    expect(count(join(dir, 'live.db'), 'handoffs')).toBe(27);
  });

  it('refuses to overwrite a file without --force, replaces it with --force, and refuses the database itself', async () => {
    await insertHandoff(1);
    const target = join(dir, 'backup.db');
    writeFileSync(target, 'an older backup', { mode: 0o644 });
    const refused = await runQuiet(['backup', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`handoff backup: ${target} already exists; choose another name or add --force to replace it`);
    expect(readFileSync(target, 'utf8')).toBe('an older backup');

    expect((await runQuiet(['backup', target, '--force'])).code).toBe(0);
    expect(count(target, 'handoffs')).toBe(1);
    expect(statSync(target).mode & 0o777).toBe(0o600);

    const itself = await runQuiet(['backup', join(dir, '.', 'live.db'), '--force']);
    expect(itself.code).toBe(1);
    expect(itself.stderr).toBe(`handoff backup: ${join(dir, 'live.db')} is the database itself; name another file`);
    expect(count(join(dir, 'live.db'), 'handoffs')).toBe(1);
  });

  it('explains a missing file name, a folder that does not exist and a bad flag', async () => {
    const none = await runQuiet(['backup']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('handoff backup: backup needs the file to write');
    expect(none.stderr).toContain('Usage: handoff <command>');

    const missingFolder = await runQuiet(['backup', join(dir, 'nope', 'b.db')]);
    expect(missingFolder.code).toBe(1);
    expect(missingFolder.stderr).toBe(`handoff backup: folder ${join(dir, 'nope')} does not exist`);

    expect((await runQuiet(['backup', join(dir, 'b.db'), '--forse'])).code).toBe(2);
    expect((await runQuiet(['backup', join(dir, 'b.db'), join(dir, 'c.db')])).code).toBe(2);
    expect(existsSync(join(dir, 'b.db'))).toBe(false);
  });
});
