// Turns a TypeScript entry point into one plain JavaScript file that `node` runs without a loader.
// Running the sources through tsx costs a loader thread and a transformed copy of every module (about
// 35 MB of memory and a slower start); esbuild bundles src/ in a fraction of a second, so the bundle
// is made afresh at every start and there is still no build step to forget.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Inside node_modules, so the bundle's imports of packages (left out of it) resolve to the project's. */
const CACHE = join(ROOT, 'node_modules', '.cache', 'handoff');

/**
 * Bundles `entry` (packages stay imports) into node_modules/.cache/handoff/<name>-<hash>.mjs and returns
 * its file URL. The name carries a hash of the content, so processes starting side by side (the bot and
 * a CLI command) never read each other's half-written file.
 */
export async function bundle(entry) {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [resolve(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    sourcemap: 'inline',
    sourceRoot: ROOT,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].contents;
  const name = relative(ROOT, resolve(ROOT, entry)).replace(/\.[^.]+$/, '').replace(/[\\/]/g, '-');
  const file = join(CACHE, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return pathToFileURL(file).href;
}

/** Imports `entry` from its bundle; where no bundle can be written (a read-only install), through tsx. */
export async function importBundled(entry) {
  let url;
  try {
    url = await bundle(entry);
  } catch (error) {
    if (!['EACCES', 'EROFS', 'EPERM'].includes(error?.code)) throw error;
    const { register } = await import('tsx/esm/api');
    register();
    return import(pathToFileURL(resolve(ROOT, entry)).href);
  }
  return import(url);
}
