import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { ConfigError, loadWorkflow } from './config/load-config.js';
import { MetricsRepo } from './db/metrics-repo.js';
import { openDb } from './db/open-db.js';
import { type ExportFormat, exportHandoffs } from './services/export-service.js';

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

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

/** `handoff export --since <date> [--format csv|jsonl] [--out file]`: needs the database and the workflow file, not Slack. */
export async function runExportCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const since = parseSince(option(args, '--since'));
  if (!since) {
    console.error('handoff export: --since <date> is required, e.g. --since 2026-01-01 (UTC) or --since 2026-01-01T09:00:00+01:00');
    return 2;
  }
  const format = (option(args, '--format') ?? 'csv') as ExportFormat;
  if (format !== 'csv' && format !== 'jsonl') {
    console.error(`handoff export: --format must be csv or jsonl, not "${format}"`);
    return 2;
  }
  let workflow: ReturnType<typeof loadWorkflow>;
  try {
    workflow = loadWorkflow(env.HANDOFF_CONFIG ?? './handoff.config.yaml');
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  const database = openDb(env.DATABASE_URL ?? 'file:./data/handoff.db');
  const out = option(args, '--out');
  const stream = out ? createWriteStream(out) : process.stdout;
  try {
    const count = await exportHandoffs({ config: workflow, metrics: new MetricsRepo(database.db), now: new Date() }, { since, format }, writer(stream));
    if (out) {
      await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
      console.error(`handoff export: ${count} handoffs written to ${out}`);
    }
    return 0;
  } finally {
    database.close();
  }
}
