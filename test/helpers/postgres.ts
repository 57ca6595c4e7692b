/**
 * A real, throwaway Postgres for the tests (never a mock): one server per `npx vitest run`, started
 * on first use, and a fresh database for each caller.
 *
 * Where the server comes from:
 * - `HANDOFF_TEST_POSTGRES_URL=postgres://user:password@host:5432/postgres`: an existing server; each
 *   caller gets a new database in it (the user needs CREATEDB), dropped at the end.
 * - otherwise Debian's binaries (`initdb`, `pg_ctl` in /usr/lib/postgresql/<version>/bin, or on
 *   PATH; `apt-get install postgresql`): a cluster in a temporary folder, listening on 127.0.0.1 on
 *   a free port with its socket in that folder, fsync off, stopped and removed at the end. As root
 *   it runs as the `postgres` system user (Postgres refuses to run as root).
 *
 * Without either (or with HANDOFF_TEST_POSTGRES=skip), the Postgres tests are skipped with a message saying why and how to enable them,
 * except under CI=true, where a missing Postgres fails the run.
 *
 * How it is wired: test/helpers/postgres-global-setup.ts (a vitest globalSetup) runs a small broker in
 * vitest's main process; the first `createTestDatabase()` of any test file asks it for a database,
 * which starts the server. A run without Postgres tests never starts one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { freePort } from './child-bot';

/** A database of its own for one test file (or bench run); `drop()` removes it. */
export interface TestDatabase {
  /** postgres://… for `pg` / drizzle-orm/node-postgres, and for DATABASE_URL. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A Postgres server this process started, or an existing one (HANDOFF_TEST_POSTGRES_URL). */
export interface PostgresServer {
  /** The admin URL (database `postgres`). */
  readonly url: string;
  /** True when this process started it (a temporary cluster). */
  readonly owned: boolean;
  createDatabase(): Promise<TestDatabase>;
  /** Drops the databases it created; stops and removes the cluster if it started one. */
  stop(): Promise<void>;
}

/** What the global setup tells test files (vitest's provide/inject). */
export interface PostgresTestContext {
  /** The broker's base URL, or null when no Postgres can be had. */
  readonly broker: string | null;
  /** Why not, and how to enable it; null when available. */
  readonly unavailable: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    handoffPostgres: PostgresTestContext;
  }
}

export const EXTERNAL_URL_VARIABLE = 'HANDOFF_TEST_POSTGRES_URL';
/** `HANDOFF_TEST_POSTGRES=skip` skips the Postgres tests even where a server could be had (a quick SQLite-only run). */
export const DISABLE_VARIABLE = 'HANDOFF_TEST_POSTGRES';

const HOW_TO_ENABLE = `install Debian's postgresql package (apt-get install postgresql; initdb and pg_ctl are found in /usr/lib/postgresql/*/bin) or set ${EXTERNAL_URL_VARIABLE}=postgres://user:password@host:5432/postgres to a server where that user may create databases`;

interface Binaries {
  readonly initdb: string;
  readonly pgCtl: string;
}

/** initdb and pg_ctl of the newest Postgres in /usr/lib/postgresql, else from PATH; null when missing. */
export function findPostgresBinaries(): Binaries | null {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const dirs = [...versions.map((v) => join(root, v, 'bin')), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const initdb = join(dir, 'initdb');
    const pgCtl = join(dir, 'pg_ctl');
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl };
  }
  return null;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The uid and gid of the `postgres` system user, or null when there is none. */
function postgresUser(): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Why no Postgres can be had here (with how to enable it), or null when one can. Cheap: starts nothing. */
export function findPostgresProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env[DISABLE_VARIABLE] === 'skip') return `${DISABLE_VARIABLE}=skip is set; unset it to run them`;
  if (env[EXTERNAL_URL_VARIABLE]) return null;
  if (!findPostgresBinaries()) return `no Postgres server: initdb and pg_ctl were not found; ${HOW_TO_ENABLE}`;
  if (isRoot() && !postgresUser()) return `running as root and there is no "postgres" system user to run the server as (Postgres refuses root); ${HOW_TO_ENABLE}`;
  return null;
}

/** Runs a Postgres binary, as the postgres user when we are root; throws with its output on failure. */
function runPostgresTool(command: string, args: string[]): string {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  try {
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** Creates, and remembers for stop(), fresh databases on the server at `adminUrl`. */
function databaseFactory(adminUrl: string) {
  const created = new Set<string>();
  let counter = 0;
  const drop = async (name: string) => {
    if (!created.delete(name)) return;
    // WITH (FORCE) ends connections a test left open (Postgres 13+).
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
  };
  return {
    async create(): Promise<TestDatabase> {
      const name = `handoff_test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
      await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      created.add(name);
      return { url: databaseUrl(adminUrl, name), name, drop: () => drop(name) };
    },
    async dropAll(): Promise<void> {
      for (const name of [...created]) await drop(name);
    },
  };
}

/**
 * A Postgres server for this process: HANDOFF_TEST_POSTGRES_URL's, or a temporary cluster from
 * Debian's binaries (see the header). Throws when neither can be had (findPostgresProblem says why).
 * `durable`: the temporary cluster keeps Postgres' defaults (fsync, synchronous_commit, full page
 * writes on), as a production server runs, for benchmarks whose figures include commit flushes.
 */
export async function startPostgres(env: NodeJS.ProcessEnv = process.env, options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const external = env[EXTERNAL_URL_VARIABLE];
  if (external) {
    const factory = databaseFactory(external);
    await withClient(external, (c) => c.query('SELECT 1'));
    return { url: external, owned: false, createDatabase: factory.create, stop: factory.dropAll };
  }
  const problem = findPostgresProblem(env);
  const binaries = findPostgresBinaries();
  if (problem || !binaries) throw new Error(problem ?? 'no Postgres binaries');

  const dir = mkdtempSync(join(tmpdir(), 'handoff-pg-'));
  const data = join(dir, 'data');
  const user = isRoot() ? postgresUser() : null;
  if (user) chownSync(dir, user.uid, user.gid);
  const superuser = isRoot() ? 'postgres' : userInfo().username;
  let started = false;
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const stopSync = () => {
    if (!started) return;
    started = false;
    try {
      runPostgresTool(binaries.pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w']);
    } finally {
      removeDir();
    }
  };
  // A test run that ends without teardown (an error, Ctrl-C) still leaves no server behind.
  process.once('exit', stopSync);
  try {
    runPostgresTool(binaries.initdb, ['-D', data, '-U', superuser, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const fast = options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
      const serverOptions = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...fast, '-c max_connections=200'].join(' ');
      try {
        runPostgresTool(binaries.pgCtl, ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions]);
        started = true;
        break;
      } catch (error) {
        // Another process may have taken the free port between our check and the server's bind.
        if (attempt === 3) throw new Error(`${(error as Error).message}\n${existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : ''}`);
      }
    }
    const url = `postgres://${encodeURIComponent(superuser)}@127.0.0.1:${port}/postgres`;
    const factory = databaseFactory(url);
    return {
      url,
      owned: true,
      createDatabase: factory.create,
      async stop() {
        process.removeListener('exit', stopSync);
        stopSync();
      },
    };
  } catch (error) {
    process.removeListener('exit', stopSync);
    if (started) stopSync();
    else removeDir();
    throw error;
  }
}

/**
 * The broker the global setup runs in vitest's main process: POST /databases starts the server on
 * first use and creates a database; DELETE /databases/<name> drops it. `close()` drops what is
 * left and stops the server.
 */
export async function startPostgresBroker(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; close(): Promise<void> }> {
  let server: Promise<PostgresServer> | null = null;
  const databases = new Map<string, TestDatabase>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      if (req.method === 'POST' && req.url === '/databases') {
        server ??= startPostgres(env);
        const database = await (await server).createDatabase();
        databases.set(database.name, database);
        return reply(200, { url: database.url, name: database.name });
      }
      const name = req.method === 'DELETE' ? /^\/databases\/([\w-]+)$/.exec(req.url ?? '')?.[1] : undefined;
      if (name !== undefined) {
        await databases.get(name)?.drop();
        databases.delete(name);
        return reply(200, {});
      }
      return reply(404, { error: `no route ${req.method} ${req.url}` });
    } catch (error) {
      return reply(500, { error: (error as Error).message });
    }
  };
  const http: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((done) => http.close(() => done()));
      if (server) await (await server.catch(() => null))?.stop();
    },
  };
}

function context(): PostgresTestContext {
  const provided = inject('handoffPostgres');
  return provided ?? { broker: null, unavailable: `the vitest globalSetup test/helpers/postgres-global-setup.ts is not configured (see vitest.config.ts)` };
}

/** Why Postgres tests cannot run here, or null. Under CI=true a missing Postgres throws instead, failing the file. */
export function postgresUnavailableReason(): string | null {
  const { unavailable } = context();
  if (unavailable && process.env.CI === 'true') throw new Error(`Postgres is required under CI=true: ${unavailable}`);
  return unavailable;
}

/** True when Postgres tests can run; see postgresUnavailableReason. */
export function postgresAvailable(): boolean {
  return postgresUnavailableReason() === null;
}

/**
 * `describe` for tests that need Postgres: when none can be had, the block is skipped and its name
 * says why and how to enable it (and a warning is printed); under CI=true that fails instead.
 */
export function describeWithPostgres(name: string, fn: () => void): void {
  const reason = postgresUnavailableReason();
  if (reason === null) {
    describe(name, fn);
    return;
  }
  console.warn(`Skipping "${name}": ${reason}`);
  describe.skip(`${name} [skipped: ${reason}]`, fn);
}

/**
 * The same suite once on SQLite and once on Postgres (skipped, with the reason, where there is no
 * Postgres; a failure under CI=true): for the suites that must hold on both databases.
 */
export function describeOnEachDatabase(name: string, fn: (dialect: 'sqlite' | 'postgres') => void): void {
  describe(`${name}, on sqlite`, () => fn('sqlite'));
  describeWithPostgres(`${name}, on postgres`, () => fn('postgres'));
}

/** A fresh, empty database on the run's Postgres server (started on first use); drop it in afterAll. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { broker, unavailable } = context();
  if (!broker) throw new Error(`no Postgres for tests: ${unavailable}`);
  const res = await fetch(`${broker}/databases`, { method: 'POST' });
  const body = (await res.json()) as { url?: string; name?: string; error?: string };
  if (!res.ok || !body.url || !body.name) throw new Error(`could not get a Postgres test database: ${body.error ?? res.status}`);
  const { url, name } = body as { url: string; name: string };
  return {
    url,
    name,
    async drop() {
      await fetch(`${broker}/databases/${name}`, { method: 'DELETE' });
    },
  };
}
