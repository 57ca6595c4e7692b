import { join } from 'node:path';
import { PACKAGE_ROOT } from './bundle.mjs';

export { PACKAGE_ROOT };

/** A path inside the package's folder (see PACKAGE_ROOT). */
export const inPackage = (...parts: string[]) => join(PACKAGE_ROOT, ...parts);
