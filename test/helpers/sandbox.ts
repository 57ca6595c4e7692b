import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_CONFIG } from '../../src/sandbox/run-sandbox';
import { loadSandboxWorkflow } from '../../src/sandbox/sandbox-workflow';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox';

/** Monday 2026-11-23 10:00 in New York: where the sandbox clock starts on any day of that week. */
export const SANDBOX_MONDAY = new Date('2026-11-23T15:00:00Z');

export interface TestSandbox {
  readonly sandbox: Sandbox;
  /** The page's address on 127.0.0.1. */
  readonly base: string;
  /** What the page would GET for this person. */
  state(as: string): Promise<any>;
  /** What the page would POST for this person. */
  post(kind: string, body: object): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** The sandbox as `npm run sandbox` starts it, on the example config, a temporary database, a free port and a fixed clock; jobs run only when the clock jumps. */
export async function startTestSandbox(): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-sandbox-'));
  const sandbox = await startSandbox({
    workflow: loadSandboxWorkflow(EXAMPLE_CONFIG),
    configPath: EXAMPLE_CONFIG,
    port: 0,
    databaseUrl: `file:${join(dir, 'sandbox.db')}`,
    start: SANDBOX_MONDAY,
    logLevel: 'error',
    schedule: false,
  });
  const base = sandbox.url.replace('localhost', '127.0.0.1').replace(/\/$/, '');
  return {
    sandbox,
    base,
    async state(as) {
      const res = await fetch(`${base}/sandbox/state?as=${as}`);
      return res.json();
    },
    async post(kind, body) {
      // As the page's own script: the browser adds the page's Origin to every POST.
      const res = await fetch(`${base}/sandbox/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    },
    async close() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
