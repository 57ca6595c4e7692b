import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's folder (package.json, migrations/, manifest.json), found by walking up from this file,
 * so it holds whether the code runs compiled from dist/ or from src/ (tests, `npm run dev`).
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'handoff') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the handoff package above ${from}`);
  }
}

/** A path inside the package's folder (see PACKAGE_ROOT). */
export const inPackage = (...parts: string[]) => join(PACKAGE_ROOT, ...parts);
