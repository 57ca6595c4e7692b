import type { TestProject } from 'vitest/node';
import { EXTERNAL_URL_VARIABLE, findPostgresProblem, startPostgresBroker } from './postgres';

/**
 * Vitest global setup: tells test files whether Postgres can be had and runs the broker that hands
 * out databases. It starts no server: the first test that asks for a database does (so a run of
 * SQLite tests only never pays for one), and the teardown stops it.
 */
export default async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
  const unavailable = findPostgresProblem();
  if (unavailable) {
    project.provide('handoffPostgres', { broker: null, unavailable });
    return async () => {};
  }
  const broker = await startPostgresBroker();
  project.provide('handoffPostgres', { broker: broker.url, unavailable: null });
  if (process.env[EXTERNAL_URL_VARIABLE]) console.log(`Postgres tests use the server at ${EXTERNAL_URL_VARIABLE}`);
  return () => broker.close();
}
