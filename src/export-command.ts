import type { Writable } from 'node:stream';
import { UsageError } from './cli-error.js';
import { USAGE } from './cli-usage.js';
import { loadWorkflow } from './config/load-config.js';
import { MetricsRepo } from './db/metrics-repo.js';
import { openDatabase } from './db/open-db.js';
import { checkOutputPath, createOutputFile, type OutputFile } from './output-file.js';
import { parseCommandArgs } from './parse-command-args.js';
import { type ExportFormat, exportHandoffs } from './services/export-service.js';

/** `2026-01-01` (midnight UTC) or a full ISO time; null when it is neither. */
export function parseSince(text: string | undefined): Date | null {
  if (!text || !/^\d{4}-\d{2}-\d{2}([T ].*)?$/.test(text)) return null;
  const at = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(at.getTime()) ? null : at;
}

function writer(stream: Writable): (chunk: string) => Promise<void> {
  return (chunk) =>
    new Promise((resolve, reject) => {
      if (stream.write(chunk)) resolve();
      else stream.once('drain', resolve).once('error', reject);
    });
}

/**
 * `handoff export --since <date> [--format csv|jsonl] [--out file [--force]]`: needs the database
 * (which must exist) and the workflow file, not Slack. Throws CliError/UsageError for the caller to report.
 */
export async function runExportCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseCommandArgs(args, { since: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const since = parseSince(values.since);
  if (!since) throw new UsageError('--since <date> is required, e.g. --since 2026-01-01 (UTC) or --since 2026-01-01T09:00:00+01:00');
  const format = (values.format ?? 'csv') as ExportFormat;
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, not "${format}"`);
  if (values.out === '') throw new UsageError('--out needs a file name');
  if (values.force && values.out === undefined) throw new UsageError('--force only applies with --out');
  // The cheap checks first: a wrong --out fails before the database is read.
  if (values.out !== undefined) checkOutputPath(values.out, values.force ?? false);
  const workflow = loadWorkflow(env.HANDOFF_CONFIG ?? './handoff.config.yaml');
  const database = await openDatabase(env.DATABASE_URL ?? 'file:./data/handoff.db', { mustExist: true });
  let file: OutputFile | undefined;
  try {
    file = values.out === undefined ? undefined : createOutputFile(values.out, { force: values.force ?? false });
    const write = file ? async (chunk: string) => file?.write(chunk) : writer(process.stdout);
    const count = await exportHandoffs({ config: workflow, metrics: new MetricsRepo(database), now: new Date() }, { since, format }, write);
    if (file) {
      file.commit();
      console.error(`handoff export: ${count} handoffs written to ${file.path}`);
    }
    return 0;
  } finally {
    file?.discard();
    await database.close();
  }
}
