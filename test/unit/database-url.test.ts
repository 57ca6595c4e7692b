import { describe, expect, it } from 'vitest';
import { databaseUrlProblem, DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl } from '../../src/config/database-url';

/** The error parseDatabaseUrl throws for `url`, or a failure when it accepts it. */
function refusal(url: string, variable?: string): DatabaseUrlError {
  try {
    parseDatabaseUrl(url, variable);
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseUrlError);
    return error as DatabaseUrlError;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseDatabaseUrl', () => {
  it.each([
    ['file:./data/handoff.db', './data/handoff.db'],
    ['file:/srv/handoff/handoff.db', '/srv/handoff/handoff.db'],
    ['file:///srv/handoff/my%20handoff.db', '/srv/handoff/my handoff.db'],
    ['./data/handoff.db', './data/handoff.db'],
    ['data/handoff.db', 'data/handoff.db'],
    ['/srv/handoff.db', '/srv/handoff.db'],
    [':memory:', ':memory:'],
    ['file::memory:', ':memory:'],
    ['  file:./data/handoff.db\n', './data/handoff.db'],
  ])('takes %j as the SQLite file %j', (url, path) => {
    expect(parseDatabaseUrl(url)).toEqual({ dialect: 'sqlite', path });
  });

  it.each([
    'postgres://handoff:hunter2@db:5432/handoff',
    'postgresql://db/handoff',
    'POSTGRES://db.internal/handoff?sslmode=require',
    'postgres://handoff@/handoff?host=/var/run/postgresql',
    'postgres://handoff:p%40ss@10.0.0.5/handoff',
  ])('takes %s as Postgres, passing the URL on as given', (url) => {
    expect(parseDatabaseUrl(url)).toEqual({ dialect: 'postgres', url });
  });

  it.each([
    ['mysql://handoff:hunter2@db/handoff', 'the scheme "mysql:" is not supported', 'mysql://handoff:***@db/handoff'],
    ['http://example.com/db', 'the scheme "http:" is not supported', 'http://example.com/db'],
    ['https://example.com/db?token=hunter2', 'the scheme "https:" is not supported', 'https://example.com/db?token=***'],
    ['sqlite:./data/handoff.db', 'the scheme "sqlite:" is not supported (for SQLite write file: instead)', 'sqlite:./data/handoff.db'],
    ['postgres:handoff:hunter2@db/handoff', 'the // after "postgres:" is missing', 'postgres:handoff:***@db/handoff'],
    ['postgresql:/db/handoff', 'the // after "postgresql:" is missing', 'postgresql:/db/handoff'],
    ['postgres://handoff:hunter2@/handoff', 'no host', 'postgres://handoff:***@/handoff'],
    ['postgres://handoff:hunter2@db:5432', 'no database', 'postgres://handoff:***@db:5432'],
    ['postgres://handoff:hunter2@db:5432/', 'no database', 'postgres://handoff:***@db:5432/'],
    ['postgres://handoff:hunter2@db/a/b', 'has a "/" in it', 'postgres://handoff:***@db/a/b'],
    ['postgres://handoff:hun/ter@2@db/handoff', 'not a valid URL', 'postgres://handoff:***@db/handoff'],
    ['postgres://db:notaport/handoff?password=hunter2', 'not a valid URL', 'postgres://db:notaport/handoff?password=***'],
    ['file://server/share/handoff.db', 'cannot name a host ("server")', 'file://server/share/handoff.db'],
    ['file:', 'no file path after file:', 'file:'],
    ['', 'it is empty', ''],
  ])('refuses %j: %s, showing %j', (url, reason, shown) => {
    const error = refusal(url);
    expect(error.reason).toContain(reason);
    expect(error.shown).toBe(shown);
    expect(error.message).toBe(`DATABASE_URL "${shown}": ${error.reason}; use ${error.message.split('; use ')[1]}`);
    expect(error.message).toContain('file:./data/handoff.db');
    expect(error.message).toContain('postgres://user:password@host:5432/database');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('hun/ter');
  });

  it('names the flag the value came from', () => {
    expect(refusal('mysql://db/x', '--to').message).toMatch(/^--to "mysql:\/\/db\/x": the scheme "mysql:" is not supported; use /);
  });
});

describe('redactDatabaseUrl', () => {
  it.each([
    ['postgres://handoff:hunter2@db/handoff', 'postgres://handoff:***@db/handoff'],
    ['postgres://:hunter2@db/handoff', 'postgres://:***@db/handoff'],
    ['postgres://handoff@db/handoff', 'postgres://handoff@db/handoff'],
    ['postgres://db/handoff?sslmode=require&password=hunter2', 'postgres://db/handoff?sslmode=require&password=***'],
    ['./data/handoff.db', './data/handoff.db'],
  ])('%s → %s', (url, shown) => {
    expect(redactDatabaseUrl(url)).toBe(shown);
  });
});

describe('databaseUrlProblem', () => {
  it('accepts SQLite, and Postgres only once asked to', () => {
    expect(databaseUrlProblem('file:./data/handoff.db')).toBeNull();
    expect(databaseUrlProblem('postgres://u:hunter2@db/handoff')).toBeNull();
    const sqliteOnly = databaseUrlProblem('postgres://u:hunter2@db/handoff', { sqliteOnly: 'backups of Postgres are pg_dump' });
    expect(sqliteOnly).toBe('"postgres://u:***@db/handoff", a Postgres URL: backups of Postgres are pg_dump');
  });

  it('explains any other value without its password', () => {
    const problem = databaseUrlProblem('mysql://u:hunter2@db/handoff');
    expect(problem).toMatch(/^"mysql:\/\/u:\*\*\*@db\/handoff": the scheme "mysql:" is not supported; use file:\.\/data\/handoff\.db/);
    expect(problem).not.toContain('hunter2');
  });
});
