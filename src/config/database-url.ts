/**
 * Why DATABASE_URL cannot be used, or null: only SQLite (`file:…`, a plain path, `:memory:`) is supported,
 * and a URL of any other scheme is refused rather than taken for a file name (`postgres://…` would
 * otherwise become a folder named `postgres:`). The URL itself is not repeated: it may hold a password.
 */
export function databaseUrlProblem(url: string): string | null {
  if (url === ':memory:') return null;
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return null;
  if (scheme === 'postgres' || scheme === 'postgresql') return 'a Postgres URL: this version stores handoffs in SQLite only; use file:./data/handoff.db (the default) or a file: path';
  return `the scheme "${scheme}:" is not supported; use file:./data/handoff.db (the default) or another file: path`;
}
