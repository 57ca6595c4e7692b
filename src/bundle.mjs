// Turns a TypeScript entry point into one plain JavaScript file that `node` runs without a loader.
// Running the sources through tsx costs a loader thread and a transformed copy of every module (about
// 35 MB of memory and a slower start); esbuild bundles src/ in a fraction of a second whenever a
// source changed, so there is still no build step to forget.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The package's folder (package.json, migrations/, manifest.json), found by walking up from this file:
 * it holds whether this code runs from src/ or inlined into a bundle under node_modules/.cache.
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'handoff') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the handoff package above ${from}`);
  }
}
/** Inside node_modules, so the bundle's imports of packages (left out of it) resolve to the project's. */
const CACHE = join(PACKAGE_ROOT, 'node_modules', '.cache', 'handoff');

/**
 * Bundles `entry` (packages stay imports) into node_modules/.cache/handoff/<name>-<key>.mjs and returns
 * its file URL. The key comes from the size and time of every source file, so an unchanged tree starts
 * from the bundle it made before without loading esbuild at all; and processes starting side by side
 * (the bot and a CLI command) never read each other's half-written file.
 */
export async function bundle(entry) {
  const name = relative(PACKAGE_ROOT, resolve(PACKAGE_ROOT, entry)).replace(/\.[^.]+$/, '').replace(/[\\/]/g, '-');
  const file = join(CACHE, `${name}-${sourcesKey(entry)}.mjs`);
  if (!existsSync(file)) {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [resolve(PACKAGE_ROOT, entry)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      write: false,
      sourcemap: 'inline',
      sourceRoot: PACKAGE_ROOT,
      logLevel: 'silent',
    });
    // esbuild keeps a helper process for further builds; there are none.
    await esbuild.stop();
    mkdirSync(CACHE, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, out.outputFiles[0].contents);
    renameSync(partial, file);
    // Earlier bundles of this entry are stale now (a process still running one has it loaded already).
    for (const old of readdirSync(CACHE)) if (old.startsWith(`${name}-`) && join(CACHE, old) !== file && !old.endsWith('.tmp')) rmSync(join(CACHE, old), { force: true });
  }
  return pathToFileURL(file).href;
}

/** A hash of the path, size and modification time of every file under src/ and the entry's own top folder. */
function sourcesKey(entry) {
  const hash = createHash('sha256').update(entry);
  const walk = (dir) => {
    for (const item of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, item.name);
      if (item.isDirectory()) {
        if (item.name !== 'node_modules' && !item.name.startsWith('.')) walk(path);
      } else {
        const st = statSync(path);
        hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  for (const dir of new Set(['src', entry.split(/[\\/]/)[0]])) walk(join(PACKAGE_ROOT, dir));
  return hash.digest('hex').slice(0, 16);
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
    return import(pathToFileURL(resolve(PACKAGE_ROOT, entry)).href);
  }
  return import(url);
}
