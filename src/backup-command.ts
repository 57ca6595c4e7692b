import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CliError, UsageError } from './cli-error.js';
import { USAGE } from './cli-usage.js';
import { databaseUrlProblem } from './config/database-url.js';
import { databasePath, openExistingSqlite } from './db/open-db.js';
import { createOutputFile, describeFileError } from './output-file.js';
import { parseCommandArgs } from './parse-command-args.js';

/** The same file under another name (a symbolic link, `./x` and `x`) counts as the same. */
function isSameFile(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * `handoff backup <file> [--force]`: a consistent copy of the SQLite database, safe while the bot runs.
 * `VACUUM INTO` copies one read transaction's snapshot (committed data, WAL included) without
 * blocking the bot's writes, where the online backup API would restart on every write the bot makes
 * meanwhile. The copy is written under a temporary name, checked, and only then given its name.
 */
export async function runBackupCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { force: { type: 'boolean' } }, 1);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [target] = positionals;
  if (!target) throw new UsageError('backup needs the file to write, e.g. handoff backup backups/handoff-2026-11-23.db');
  const url = env.DATABASE_URL ?? 'file:./data/handoff.db';
  const problem = databaseUrlProblem(url, {
    sqliteOnly: "handoff backup copies a SQLite file; back up Postgres with pg_dump or your platform's backups and point-in-time recovery (docs/scaling.md)",
  });
  if (problem) throw new CliError(`DATABASE_URL is ${problem}`);
  const source = openExistingSqlite(url);
  try {
    if (isSameFile(databasePath(url), target)) throw new CliError(`${resolve(target)} is the database itself; name another file`);
    const file = createOutputFile(target, { force: values.force ?? false });
    try {
      // SQLite writes it by its path: our descriptor closes first (closing one of several descriptors of a file drops SQLite's locks on it).
      file.close();
      const at = new Date();
      try {
        source.prepare('VACUUM INTO ?').run(file.tempPath);
      } catch (error) {
        throw new CliError(describeFileError('write', file.path, error));
      }
      const copy = new Database(file.tempPath, { readonly: true, fileMustExist: true });
      let handoffs: number | null;
      try {
        const check = copy.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw new CliError(`the copy in ${file.path} failed its check (${String(check)}); the database was not changed`);
        const hasHandoffs = copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'handoffs'").get();
        handoffs = hasHandoffs ? (copy.prepare('SELECT count(*) AS n FROM handoffs').get() as { n: number }).n : null;
      } finally {
        copy.close();
      }
      const bytes = statSync(file.tempPath).size;
      file.commit();
      const what = handoffs === null ? '' : `${handoffs} handoffs, `;
      const size = bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
      console.log(`handoff backup: ${file.path} written (${what}${size}), a snapshot as of ${at.toISOString()}`);
      return 0;
    } finally {
      file.discard();
    }
  } finally {
    source.close();
  }
}
