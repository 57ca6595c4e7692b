import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Vitest global setup: compiles src/ to dist/ once before the suite, so tests that start the bot as a
 * process (`node dist/bin.js`, as `npm start` does) run the code under test, never a stale build.
 */
export default function buildDist(): void {
  const root = resolve(__dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
