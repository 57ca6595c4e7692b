import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli';

const FIXTURE = resolve(__dirname, '../fixtures/handoff.config.yaml');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'handoff-cli-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const code = await runCli(argv, { DATABASE_URL: `file:${join(dir, 'h.db')}`, HANDOFF_CONFIG: FIXTURE });
    const text = (calls: unknown[][]) => calls.map((c) => c.map(String).join(' ')).join('\n');
    return { code, stdout: text(log.mock.calls), stderr: text(err.mock.calls) };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

describe('handoff command line', () => {
  it.each([
    [['sandbox', '--bogus'], "handoff sandbox: Unknown option '--bogus'"],
    [['sandbox', '--now'], "handoff sandbox: Option '--now <value>' argument missing"],
    [['migrate', '--force'], "handoff migrate: Unknown option '--force'"],
    [['config', 'check', '--fiel', 'x.yaml'], "handoff config check: Unknown option '--fiel'"],
    [['config', 'check', '--file'], "handoff config check: Option '--file <value>' argument missing"],
    [['config', 'schema', '--out'], "handoff config schema: Option '--out <value>' argument missing"],
    [['webhooks', 'status', '--verbose'], "handoff webhooks status: Unknown option '--verbose'"],
    [['jobs', 'run', 'nudges', '--now'], "handoff jobs run: Option '--now <value>' argument missing"],
    [['jobs', 'run', 'nudges', '--at', '2026-11-23T09:00:00Z'], "handoff jobs run: Unknown option '--at'"],
    [['jobs', 'run', 'nudges', 'digest'], 'handoff jobs run: unexpected argument "digest"'],
    [['jobs', 'run', 'weekly'], 'handoff jobs run: no job "weekly": jobs run nudges, digest or report'],
    [['jobs', 'run'], 'handoff jobs run: jobs run needs a job: nudges, digest or report'],
    [['jobs', 'run', 'nudges', '--now', 'tomorrow'], 'handoff jobs run: --now "tomorrow" is not an ISO time such as 2026-11-23T09:00:00Z'],
    [['export', '--since', '2026-11-01', '--fromat', 'jsonl'], "handoff export: Unknown option '--fromat'"],
    [['export', '--since', '2026-11-01', 'extra'], 'handoff export: unexpected argument "extra"'],
    [['export', '--since', '2026-11-01', '--force'], 'handoff export: --force only applies with --out'],
    [['export', '--since'], "handoff export: Option '--since <value>' argument missing"],
    [['backup', '--force'], 'handoff backup: backup needs the file to write'],
  ])('%j is a usage error: the reason, then the usage, exit 2', async (argv, reason) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(2);
    // Node's parseArgs words its own errors; the line starts with ours or its reason.
    expect(stderr.split('\n')[0].startsWith(reason), stderr.split('\n')[0]).toBe(true);
    expect(stderr).toContain('Usage: handoff <command>');
    expect(stdout).toBe('');
  });

  it('names an unknown command or subcommand, with the usage, exit 2', async () => {
    for (const argv of [['serve'], ['config', 'lint'], ['webhooks', 'retry'], ['jobs', 'list']]) {
      const { code, stderr } = await run(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toContain(`handoff: unknown command "${argv.join(' ')}"`);
      expect(stderr).toContain('Usage: handoff <command>');
    }
  });

  it('prints the usage for help, --help and every command given --help, exit 0', async () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['export', '--help'], ['backup', '-h'], ['jobs', 'run', '--help'], ['config', '--help'], ['sandbox', '--help']]) {
      const { code, stdout } = await run(argv);
      expect(code, argv.join(' ')).toBe(0);
      expect(stdout).toContain('backup <file> [--force]');
    }
    const bare = await run([]);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain('Usage: handoff <command>');
  });

  it('keeps the commands that worked: config check, config schema, migrate, then webhooks status on that database', async () => {
    const check = await run(['config', 'check', '--file', FIXTURE]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`${FIXTURE} is valid:`);
    const schema = await run(['config', 'schema', '--out', join(dir, 'schema.json')]);
    expect(schema.code).toBe(0);
    const migrate = await run(['migrate']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toBe(`database file:${join(dir, 'h.db')} is up to date`);
    const status = await run(['webhooks', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toBe('No webhooks configured or delivered.');
  });

  it('reports an invalid workflow file with every problem, exit 1', async () => {
    const { code, stderr } = await run(['config', 'check', '--file', join(dir, 'missing.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toContain('missing.yaml');
    expect(stderr).not.toContain('    at ');
  });
});
