/**
 * Issue "A runtime a team deploys and keeps": the production build, made as the Dockerfile makes it,
 * starts and does its job. No image registry is reachable where the tests run, so instead of
 * `docker build` this test reads the Dockerfile and replays it on this machine:
 *
 * 1. copies what `docker build .` would send (the repository's files, minus .dockerignore),
 * 2. runs the build stage's script (npm ci, npm prune --omit=dev, removing the sandbox and sources),
 * 3. copies only what the runtime stage's `COPY --from=build` lines copy,
 * 4. starts it with the runtime stage's ENV and CMD against the fake Slack, checks /healthz with the
 *    HEALTHCHECK's own command, runs one handoff through it, and stops it with SIGTERM.
 *
 * So a package production needs that only a devDependency brought in, a file the image forgets, or a
 * production path that loads the sandbox fails here rather than in a deploy. It installs from the local
 * npm cache (--prefer-offline) and compiles better-sqlite3 when no prebuilt binary fits, which takes
 * minutes: it runs with CI=true or HANDOFF_INSTALL_TEST=1.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallbackId } from '../../src/slack/ids';
import { freePort, waitUntil } from '../helpers/child-bot';
import { FakeSlack } from '../helpers/fake-slack';
import { BOT_TOKEN, FIXTURE, orderValues, SIGNING_SECRET } from '../helpers/harness';
import { SlackClientSim } from '../helpers/slack-requests';

const ROOT = resolve(__dirname, '../..');
const ENABLED = process.env.CI === 'true' || process.env.HANDOFF_INSTALL_TEST === '1';
const SKIP_NOTE = 'slow (npm ci and a native build, minutes): runs with CI=true or HANDOFF_INSTALL_TEST=1, e.g. HANDOFF_INSTALL_TEST=1 npx vitest run test/install';
if (!ENABLED) console.warn(`\n[install] skipping the production install test: ${SKIP_NOTE}\n`);
const TEST_TIMEOUT_MS = 10 * 60_000;
const BUILD_TIMEOUT_MS = 8 * 60_000;

/** What the test needs from the Dockerfile, read from its lines rather than restated here. */
interface DockerPlan {
  /** The build stage's script, relative to the build context. */
  readonly buildScript: string;
  /** Paths the runtime stage copies from the build stage, relative to its WORKDIR (/app). */
  readonly copied: string[];
  readonly env: Record<string, string>;
  readonly healthcheck: string[];
  readonly cmd: string[];
}

/** Reads the Dockerfile's stages; throws when it has a shape this test cannot replay faithfully. */
function readDockerfile(text: string): DockerPlan {
  // Continuation lines joined, comments dropped: one instruction per entry.
  const instructions = text
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const line of instructions) {
    if (/^FROM\s/i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const build = stages.find((s) => /^FROM\s+\S+\s+AS\s+build$/i.test(s[0] ?? ''));
  const runtime = stages.at(-1);
  if (stages.length !== 2 || !build || !runtime || runtime === build) throw new Error('expected two stages: FROM … AS build, then the runtime stage');

  const buildRuns = build.filter((l) => /^RUN\s/i.test(l));
  const scriptRuns = buildRuns.filter((l) => /\bsh\s+\S+\.sh\s*$/.test(l));
  const otherRuns = buildRuns.filter((l) => !scriptRuns.includes(l) && !/^RUN\s+apt-get update && apt-get install /.test(l));
  // Every build step lives in the one script, so what this test runs is what the image runs.
  if (scriptRuns.length !== 1 || otherRuns.length > 0)
    throw new Error(`the build stage should install system packages and then run one script (RUN sh <script>.sh); put other steps in that script. RUN lines: ${buildRuns.join(' | ')}`);
  const buildScript = /\bsh\s+(\S+\.sh)\s*$/.exec(scriptRuns[0] as string)?.[1] as string;

  const copied: string[] = [];
  for (const line of runtime.filter((l) => /^COPY\s/i.test(l))) {
    const m = /^COPY\s+--from=build\s+\/app\/(\S+)\s+\.\/(\S+)$/.exec(line);
    if (!m || m[1] !== m[2]) throw new Error(`runtime stage: write COPY lines as "COPY --from=build /app/<path> ./<path>", one path each: ${line}`);
    copied.push(m[1] as string);
  }

  const env: Record<string, string> = {};
  for (const line of runtime.filter((l) => /^ENV\s/i.test(l))) {
    for (const pair of line.replace(/^ENV\s+/i, '').split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || /["']/.test(pair)) throw new Error(`runtime stage: write ENV as unquoted KEY=value pairs: ${line}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }

  const execForm = (prefix: RegExp, what: string) => {
    const line = runtime.find((l) => prefix.test(l));
    const json = line ? /\bCMD\s+(\[.*\])$/.exec(line)?.[1] : undefined;
    if (!json) throw new Error(`runtime stage: no ${what} in exec form (CMD ["node", …])`);
    return JSON.parse(json) as string[];
  };
  return { buildScript, copied, env, healthcheck: execForm(/^HEALTHCHECK\s/i, 'HEALTHCHECK … CMD'), cmd: execForm(/^CMD\s/i, 'CMD') };
}

/** .dockerignore's patterns as tests on a relative path (root-anchored globs; a match on a folder covers what is under it). */
function readDockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('.dockerignore: exceptions (!) are not replayed by this test');
  const regexes = patterns.map((p) => {
    const body = p
      .replace(/^\/|\/$/g, '')
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '\0')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\0/g, '.*');
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (path) => regexes.some((r) => r.test(path));
}

/** The files `docker build .` would send: tracked and untracked-but-not-gitignored ones, minus .dockerignore. */
function copyBuildContext(to: string): void {
  const ignored = readDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && !ignored(f) && existsSync(join(ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(ROOT, file), join(to, file));
  }
}

/** The environment of the npm commands: this machine's npm settings, not those of an `npm test` around this run. */
function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // npm passes the running project's prefix and package fields to its children; they would point the copy's npm at this checkout.
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)|^INIT_CWD$|^NODE_ENV$|^VITEST/.test(name)) continue;
    env[name] = value;
  }
  env.npm_config_prefer_offline = 'true';
  return env;
}

/** Runs a command to its end; throws with the tail of its output when it fails or overruns. */
function runToEnd(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', fail);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(out);
      else fail(new Error(`${command} ${args.join(' ')} failed (code ${code}, signal ${signal}):\n${out.slice(-4000)}`));
    });
  });
}

/** `node` in an exec-form command is this Node (the image's `node` is the same major version). */
const withThisNode = (argv: string[]) => (argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : argv);

describe('production install: the Dockerfile replayed', () => {
  it(
    'builds with the Dockerfile script, ships no dev tools or sandbox, and the pruned copy starts, hands off and stops cleanly',
    async (ctx) => {
      if (!ENABLED) ctx.skip(SKIP_NOTE);
      const plan = readDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
      const dir = mkdtempSync(join(tmpdir(), 'handoff-install-'));
      const started: { bot?: ChildProcess; fake?: FakeSlack } = {};
      ctx.onTestFinished(async () => {
        const { bot, fake } = started;
        if (bot && bot.exitCode === null && bot.signalCode === null) {
          const gone = new Promise((r) => bot.once('close', r));
          bot.kill('SIGKILL');
          await gone;
        }
        await fake?.stop();
        rmSync(dir, { recursive: true, force: true });
      });

      // Build stage.
      const context = join(dir, 'context');
      copyBuildContext(context);
      await runToEnd('sh', [plan.buildScript], { cwd: context, env: buildEnv(), timeoutMs: BUILD_TIMEOUT_MS });
      for (const devOnly of ['typescript', 'vitest', 'tsx', 'eslint', 'pino-pretty', 'drizzle-kit'])
        expect(existsSync(join(context, 'node_modules', devOnly)), `devDependency ${devOnly} left in node_modules`).toBe(false);
      expect(existsSync(join(context, 'dist/sandbox')), 'the sandbox is not shipped').toBe(false);
      expect(existsSync(join(context, 'dist/bin.js'))).toBe(true);

      // Runtime stage: only what it copies.
      const app = join(dir, 'app');
      for (const path of plan.copied) {
        expect(existsSync(join(context, path)), `the runtime stage copies ${path}, which the build stage does not have`).toBe(true);
        cpSync(join(context, path), join(app, path), { recursive: true, verbatimSymlinks: true });
      }

      const fake = await FakeSlack.start({ usergroups: { S0FUL: ['U0FUL1', 'U0FUL2'] } });
      started.fake = fake;
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...plan.env,
        // What docker run -e / compose's .env and mounts provide.
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        DATABASE_URL: `file:${join(dir, 'data/handoff.db')}`,
        HANDOFF_CONFIG: FIXTURE,
        PORT: String(port),
        LOG_LEVEL: 'info',
      };
      expect(env.NODE_ENV).toBe('production');
      const [command, ...args] = withThisNode(plan.cmd) as [string, ...string[]];
      const child = spawn(command, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
      started.bot = child;
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('close', (code, signal) => done({ code, signal })));
      const gone = () => child.exitCode !== null || child.signalCode !== null;

      await waitUntil(async () => gone() || (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false)), {
        what: `the production build to answer GET :${port}/healthz`,
        timeoutMs: 30_000,
        detail: () => out,
      });
      expect(gone(), `the production build exited at start:\n${out}`).toBe(false);

      // The image's own health check, against this port.
      const [checkCommand, ...checkArgs] = withThisNode(plan.healthcheck) as [string, ...string[]];
      await runToEnd(checkCommand, checkArgs, { cwd: app, env: { PATH: process.env.PATH, PORT: String(port) }, timeoutMs: 10_000 });

      // One handoff, as Slack delivers a submitted order form.
      const sim = new SlackClientSim({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, responseUrls: fake.hooksUrl });
      const res = await sim.viewSubmission({
        userId: 'U0SALES1',
        callbackId: CallbackId.form,
        privateMetadata: JSON.stringify({ typeKey: 'order-to-ops' }),
        values: orderValues({ order_id: 'PR-20261' }),
      });
      expect(res.status, res.body).toBe(200);
      expect(res.body, 'the form was acked without errors').toBe('');
      const post = await waitUntil(() => fake.messages('C0OPS').find((m) => !m.thread_ts && JSON.stringify(m).includes('PR-20261')), {
        what: 'the handoff post in #ops (C0OPS)',
        timeoutMs: 15_000,
        detail: () => out,
      });
      expect(post.blocks.length, 'the post carries the handoff with its buttons').toBeGreaterThan(0);

      // Logs: pino JSON lines, secrets never written.
      const lines = out.split('\n').filter((l) => l.trim() !== '');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), `not a JSON log line: ${line}`).not.toThrow();
      expect(out).not.toContain(BOT_TOKEN);
      expect(out).not.toContain(SIGNING_SECRET);

      // docker stop: SIGTERM, then a clean exit well within its 10 s grace.
      const stopAsked = Date.now();
      child.kill('SIGTERM');
      const exit = await exited;
      expect(exit, out).toEqual({ code: 0, signal: null });
      expect(Date.now() - stopAsked).toBeLessThan(10_000);

      // The sandbox is not shipped: asking for it says so instead of crashing on a missing module.
      const sandbox = spawn(process.execPath, ['dist/bin.js', 'sandbox'], { cwd: app, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
      let said = '';
      sandbox.stdout.on('data', (d) => (said += d));
      sandbox.stderr.on('data', (d) => (said += d));
      const sandboxExit = await new Promise<number | null>((done) => sandbox.once('close', done));
      expect(sandboxExit, said).toBe(1);
      expect(said).toContain('the local sandbox is not part of this install');
      expect(said).not.toContain('ERR_MODULE_NOT_FOUND');
    },
    TEST_TIMEOUT_MS,
  );
});
