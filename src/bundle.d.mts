/** The package's folder (package.json, migrations/, manifest.json). */
export const PACKAGE_ROOT: string;
/** Bundles a TypeScript entry (path from the package root) and returns the bundle's file URL. */
export function bundle(entry: string): Promise<string>;
/** Imports a TypeScript entry from its bundle (through tsx where no bundle can be written). */
export function importBundled<T = Record<string, unknown>>(entry: string): Promise<T>;
