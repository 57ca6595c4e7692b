import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../../dist/bin.js');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment of a shell with nothing about Slack or Handoff in it. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_|HANDOFF_|DATABASE_URL$|PORT$|NODE_ENV$|SANDBOX_)/.test(k)));
  return { ...env, LOG_LEVEL: 'error', ...extra };
}

/** Runs the CLI in an empty folder (its ./data stays there); resolves when it exits or prints `waitFor`. */
function run(args: string[], env: NodeJS.ProcessEnv, waitFor?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string; child: ChildProcess; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'handoff-start-'));
  dirs.push(cwd);
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no answer in time; stdout: ${stdout} stderr: ${stderr}`)), 30_000);
    const check = () => {
      if (waitFor && waitFor.test(stdout)) {
        clearTimeout(timer);
        done({ code: null, stdout, stderr, child, cwd });
      }
    };
    child.stdout?.on('data', (c) => {
      stdout += c;
      check();
    });
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, child, cwd });
    });
  });
}

describe('npm start without Slack settings', () => {
  it('starts the sandbox, prints its page and how to connect a real workspace, and stops on SIGTERM', async () => {
    const r = await run(['start'], cleanEnv({ PORT: '0' }), /connect a real workspace[^\n]*\n/);
    expect(r.code).toBeNull();
    const url = r.stdout.match(/Open (http:\/\/localhost:\d+\/)/)?.[1];
    expect(url, r.stdout + r.stderr).toBeDefined();
    expect(r.stdout).toContain('set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)');
    expect(r.stdout).toContain('handoff.config.example.yaml');
    const page = await fetch((url as string).replace('localhost', '127.0.0.1'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Handoff sandbox');
    expect(existsSync(join(r.cwd, 'data', 'sandbox.db'))).toBe(true);
    const exited = new Promise<number | null>((done) => r.child.on('exit', (code) => done(code)));
    r.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 40_000);

  it('refuses to fall into the sandbox in production, naming the missing settings', async () => {
    const r = await run(['start'], cleanEnv({ NODE_ENV: 'production' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SLACK_BOT_TOKEN');
    expect(r.stderr).toContain('SLACK_SIGNING_SECRET');
    expect(r.stderr).toContain('NODE_ENV=production: the local sandbox never starts in production');
    expect(r.stdout).not.toContain('sandbox');
  }, 40_000);

  it('refuses to start with only some Slack settings, naming the missing ones', async () => {
    const r = await run(['start'], cleanEnv({ SLACK_SIGNING_SECRET: 'secret' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SLACK_BOT_TOKEN: required/);
    expect(r.stderr).toContain('SLACK_SIGNING_SECRET is set, so the bot expects a real Slack workspace');
  }, 40_000);

  it('handoff sandbox refuses production too, and lists every problem of a bad workflow file', async () => {
    const prod = await run(['sandbox'], cleanEnv({ NODE_ENV: 'production' }));
    expect(prod.code).toBe(1);
    expect(prod.stderr).toContain('never for a deployment');
    const cwd = mkdtempSync(join(tmpdir(), 'handoff-start-'));
    dirs.push(cwd);
    const bad = join(cwd, 'bad.yaml');
    writeFileSync(bad, 'teams: {}\nhandoffTypes: {}\n');
    const r = await run(['sandbox'], cleanEnv({ HANDOFF_CONFIG: bad, PORT: '0' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('handoffTypes');
  }, 40_000);
});
