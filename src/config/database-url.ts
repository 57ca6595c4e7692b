/**
 * DATABASE_URL names one of two stores: SQLite (`file:./data/handoff.db`, the default; a plain
 * path; `:memory:`) or Postgres (`postgres://…`, `postgresql://…`). Anything else is refused with
 * a message that names the variable, shows the value with its password hidden, and lists what
 * works: a URL of an unknown scheme used to be taken for a file name, and `postgres://…` became a
 * folder named `postgres:`.
 */

import { type ConnectionOptions, parse } from 'pg-connection-string';

export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; /** A file path, or `:memory:`. */ readonly path: string }
  | { readonly dialect: 'postgres'; /** The URL as given, for node-postgres (`pg`). */ readonly url: string };

export const DEFAULT_DATABASE_URL = 'file:./data/handoff.db';

/** What DATABASE_URL may be, for error messages and docs. */
export const SUPPORTED_DATABASE_URLS =
  'file:./data/handoff.db (SQLite, the default), another file: path, a plain path or :memory:; or postgres://user:password@host:5432/database (also postgresql://)';

/** A DATABASE_URL (or --from/--to) that cannot be used; the message never holds a password. */
export class DatabaseUrlError extends Error {
  constructor(
    /** The variable or flag the value came from. */
    readonly variable: string,
    /** The value with its password hidden. */
    readonly shown: string,
    /** Why it was refused, without the value or the supported forms. */
    readonly reason: string,
  ) {
    super(`${variable} "${shown}": ${reason}; use ${SUPPORTED_DATABASE_URLS}`);
    this.name = 'DatabaseUrlError';
  }
}

const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
// Query parameters libpq (and other drivers) accept with a secret in them.
const SECRET_PARAM = /pass|secret|token|key|auth/i;

/**
 * The value with the password of its user info (`user:password@`) and the values of secret-looking
 * query parameters replaced by `***`. Works on text that is not a valid URL too (an unencoded `/`
 * or `@` in a password, a missing `//`): everything up to the last `@` is taken as user info.
 */
export function redactDatabaseUrl(value: string): string {
  const scheme = SCHEME.exec(value);
  if (!scheme) return value;
  const head = value.slice(0, scheme[0].length) + (value.startsWith('//', scheme[0].length) ? '//' : '');
  let rest = value.slice(head.length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(':');
    rest = (colon < 0 ? userInfo : `${userInfo.slice(0, colon)}:***`) + rest.slice(at);
  }
  rest = rest.replace(/([?&])([^=&#]*)=([^&#]*)/g, (all, sep: string, name: string) => (SECRET_PARAM.test(name) ? `${sep}${name}=***` : all));
  return head + rest;
}

/** A malformed escape (`%zz`) is kept as typed rather than thrown as a URIError without context. */
function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sqlitePath(url: string, variable: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  if (!url.startsWith('file:')) return url;
  let path = url.slice('file:'.length);
  // file:///srv/handoff.db is a URL with an empty host; file://srv/… would be a host name, which a local file cannot have.
  if (path.startsWith('//')) {
    if (!path.startsWith('///')) throw new DatabaseUrlError(variable, redactDatabaseUrl(url), `a file: URL cannot name a host ("${path.slice(2).split('/')[0]}"), a SQLite file is local: write file:/absolute/path or file:./relative/path`);
    path = decodeOrKeep(path.slice(2));
  }
  if (path === '') throw new DatabaseUrlError(variable, url, 'no file path after file:');
  return path;
}

function postgresUrl(url: string, variable: string): string {
  const shown = redactDatabaseUrl(url);
  let options: ConnectionOptions;
  try {
    // node-postgres' own parser, so what passes here is what `pg` connects with (it also takes
    // postgres://user@/db?host=/var/run/postgresql, a Unix socket, which WHATWG URL refuses).
    options = parse(url);
  } catch (error) {
    // It reads sslrootcert/sslcert/sslkey files while parsing: a missing one is named by its path.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') throw new DatabaseUrlError(variable, shown, `cannot read the file ${(error as NodeJS.ErrnoException).path ?? ''} it names (${code})`);
    throw new DatabaseUrlError(variable, shown, 'not a valid URL (a password with @, /, : or # in it must be percent-encoded, e.g. %40 for @)');
  }
  if (!options.host) throw new DatabaseUrlError(variable, shown, 'no host: write postgres://user:password@host:5432/database');
  const database = options.database ?? '';
  if (!database) throw new DatabaseUrlError(variable, shown, 'no database: add its name after the host, e.g. postgres://user:password@host:5432/handoff');
  if (database.includes('/')) throw new DatabaseUrlError(variable, shown, `the database name "${database}" has a "/" in it: the path after the host is one database name`);
  return url;
}

/**
 * Which store a DATABASE_URL names. Throws a DatabaseUrlError (naming `variable`, the value with its
 * password hidden, and the supported forms) for any other scheme, `postgres:` without `//`, a
 * Postgres URL without a host or database, or a `file:` URL without a path.
 */
export function parseDatabaseUrl(url: string, variable = 'DATABASE_URL'): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed === '') throw new DatabaseUrlError(variable, url, 'it is empty');
  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return { dialect: 'sqlite', path: sqlitePath(trimmed, variable) };
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (!trimmed.startsWith('//', scheme.length + 1)) throw new DatabaseUrlError(variable, redactDatabaseUrl(trimmed), `the // after "${scheme}:" is missing`);
    return { dialect: 'postgres', url: postgresUrl(trimmed, variable) };
  }
  const hint = scheme === 'sqlite' || scheme === 'sqlite3' ? ' (for SQLite write file: instead)' : '';
  throw new DatabaseUrlError(variable, redactDatabaseUrl(trimmed), `the scheme "${scheme}:" is not supported${hint}`);
}

/**
 * Why DATABASE_URL cannot be used, or null (for the environment check and openDb). With
 * `sqliteOnly` (the backup and the sandbox, which work on a SQLite file), a Postgres URL is
 * refused too, saying what to use instead; the message never repeats a password.
 */
export function databaseUrlProblem(url: string, options: { readonly sqliteOnly?: string } = {}): string | null {
  let target: DatabaseTarget;
  try {
    target = parseDatabaseUrl(url);
  } catch (error) {
    if (!(error instanceof DatabaseUrlError)) throw error;
    return `"${error.shown}": ${error.reason}; use ${SUPPORTED_DATABASE_URLS}`;
  }
  if (target.dialect === 'postgres' && options.sqliteOnly)
    return `"${redactDatabaseUrl(url)}", a Postgres URL: ${options.sqliteOnly}`;
  return null;
}
