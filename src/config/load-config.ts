import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Env, envSchema } from './env-schema.js';
import { type WorkflowConfig, workflowSchema } from './workflow-schema.js';

/** A configuration that cannot run, with every problem found (not just the first). */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `handoffTypes.order-to-ops.fields[0].type` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    // zod reports a bad record key as just "Invalid key in record"; the key's own rule says how to fix it.
    const message = i.code === 'invalid_key' && i.issues[0] ? `invalid key: ${i.issues[0].message}` : i.message;
    return i.path.length ? `${formatPath(i.path)}: ${message}` : message;
  });
}

/** Parses the workflow YAML text; `source` names it in errors. */
export function parseWorkflow(text: string, source: string): WorkflowConfig {
  // yaml only fills in `linePos` when it also rewrites messages with a code frame (prettyErrors),
  // so positions come from our own LineCounter and messages stay one line.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0)
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `line ${line}, column ${col}: ${e.message.split('\n')[0]}`;
      }),
    );
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // A syntactically valid document can still fail to resolve: an alias to an anchor defined
    // later, or an alias bomb past yaml's maxAliasCount.
    throw new ConfigError(source, [error instanceof Error ? error.message : String(error)]);
  }
  return validateWorkflow(data, source);
}

/** Checks an already parsed workflow document (the sandbox fills in its own secrets first). */
export function validateWorkflow(data: unknown, source: string): WorkflowConfig {
  const result = workflowSchema.safeParse(data ?? {});
  if (!result.success) throw new ConfigError(source, issuesOf(result.error));
  return deepFreeze(withoutPrototypes(result.data));
}

export function loadWorkflow(path: string): WorkflowConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found (set HANDOFF_CONFIG or copy handoff.config.example.yaml)' : String(error);
    throw new ConfigError(path, [reason]);
  }
  return parseWorkflow(text, path);
}

export function parseEnv(env: NodeJS.ProcessEnv): Env {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError('environment', issuesOf(result.error));
  return Object.freeze(result.data);
}

export interface LoadedConfig {
  readonly env: Env;
  readonly workflow: WorkflowConfig;
}

/** Reads the environment and the workflow file once; throws a ConfigError listing every problem of both. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: ConfigError[] = [];
  let parsedEnv: Env | undefined;
  let workflow: WorkflowConfig | undefined;
  try {
    parsedEnv = parseEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error);
  }
  try {
    workflow = loadWorkflow(parsedEnv?.configPath ?? env.HANDOFF_CONFIG ?? './handoff.config.yaml');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error);
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ConfigError('configuration', problems.flatMap((p) => p.problems.map((m) => `${p.source}: ${m}`)));
  return { env: parsedEnv as Env, workflow: workflow as WorkflowConfig };
}

/**
 * The keyed records (teams, handoff types) without a prototype, so a key that only a prototype
 * has (`constructor`, `toString`) is absent from them even where a lookup forgets `ownEntry`.
 */
function withoutPrototypes(config: WorkflowConfig): WorkflowConfig {
  const bare = <T>(record: Record<string, T>): Record<string, T> => Object.assign(Object.create(null) as Record<string, T>, record);
  return { ...config, teams: bare(config.teams), handoffTypes: bare(config.handoffTypes) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
