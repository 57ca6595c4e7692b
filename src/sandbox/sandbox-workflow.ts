import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadWorkflow, validateWorkflow } from '../config/load-config.js';
import type { WorkflowConfig } from '../config/workflow-schema.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A fresh random secret, as long as the config check asks for. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

/** Sets `key` of every record in `list` that has it to a fresh secret. */
function replaceSecrets(list: unknown, key: string): void {
  if (!Array.isArray(list)) return;
  for (const item of list) if (isRecord(item) && Object.hasOwn(item, key)) item[key] = generateSecret();
}

/**
 * Reads a workflow file for the sandbox. The sandbox never uses the file's webhook secrets and API
 * tokens (the example's are placeholders the config check refuses, and a real file's must not work
 * on a local toy): each is replaced by a fresh random one before the file is checked like the bot's.
 * A file that does not parse is reported exactly as `handoff config check` reports it.
 */
export function loadSandboxWorkflow(path: string): WorkflowConfig {
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'), { uniqueKeys: true });
  } catch {
    // Unreadable or not YAML: the bot's own loader says why, with line and column.
    return loadWorkflow(path);
  }
  if (isRecord(data)) {
    replaceSecrets(data.webhooks, 'secret');
    if (isRecord(data.api)) replaceSecrets(data.api.tokens, 'token');
  }
  return validateWorkflow(data, path);
}
