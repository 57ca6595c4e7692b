import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

/** Slack token shapes: bot, user, app-level, refresh and configuration tokens. */
const SLACK_TOKEN = /\bx(?:ox[a-z]|app)-[A-Za-z0-9-]{6,}/g;
const REDACTED = '[redacted]';

/** Object keys never written as they are, wherever they appear in a log line's fields. */
const REDACT_PATHS = ['token', 'botToken', 'appToken', 'signingSecret', 'secret', 'authorization', '*.token', '*.secret', '*.authorization', 'headers.authorization', 'headers["x-slack-signature"]', 'req.headers.authorization'];

/**
 * Removes every known secret and anything shaped like a Slack token from text: Bolt and the Web API
 * client log free text, where pino's key-based redaction cannot see a token.
 */
export function createScrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  const known = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(SLACK_TOKEN, REDACTED);
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}

export interface LoggerOptions {
  readonly level: LogLevelName;
  /** Secret values to scrub from every line (tokens, signing secret, API keys, webhook secrets). */
  readonly secrets?: readonly (string | undefined)[];
  /** Where lines go (default stdout); tests pass a stream they read. */
  readonly destination?: DestinationStream;
}

/** The process's logger: pino JSON lines, secrets redacted by key and scrubbed from text. */
export function createLogger(opts: LoggerOptions): PinoLogger {
  const scrub = createScrubber(opts.secrets ?? []);
  const scrubValue = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (value instanceof Error) return { type: value.name, message: scrub(value.message), stack: value.stack ? scrub(value.stack) : undefined };
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)]));
  };
  return pino(
    {
      level: opts.level,
      base: { name: 'handoff' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        // Every argument, fields and message alike, passes the scrubber before it is written.
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrubValue(a)) as Parameters<typeof method>);
        },
      },
    },
    opts.destination,
  );
}

const TO_BOLT: Record<string, LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };

/**
 * Bolt's Logger interface over pino, so Bolt, the Web API client and our code write the same JSON lines.
 * Bolt logs variadic text; an Error among the arguments becomes the line's `err`, an object its fields.
 */
export function toBoltLogger(base: PinoLogger): BoltLogger {
  let logger = base;
  const write = (level: LogLevelName) => (...msg: unknown[]) => {
    if (!logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const text: string[] = [];
    for (const m of msg) {
      if (m instanceof Error) fields.err = m;
      else if (m && typeof m === 'object' && !Array.isArray(m)) Object.assign(fields, m);
      else text.push(typeof m === 'string' ? m : JSON.stringify(m));
    }
    logger[level](fields, text.join(' '));
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (level: LogLevel) => {
      logger.level = level;
    },
    getLevel: () => TO_BOLT[logger.level] ?? LogLevel.INFO,
    setName: (name: string) => {
      logger = base.child({ component: name });
    },
  };
}

/** A logger that writes nothing (CLI commands that print their own output). */
export const silentLogger = (): BoltLogger => toBoltLogger(pino({ level: 'silent' }));
