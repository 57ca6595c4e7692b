import type { Register } from '../deps';
import { registerStartShortcut } from './start-handoff';

export const registerShortcuts: Register = (app, deps) => {
  registerStartShortcut(app, deps);
};
