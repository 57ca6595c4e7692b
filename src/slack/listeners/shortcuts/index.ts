import type { Register } from '../deps';
import { registerMessageShortcut } from './handoff-from-message';
import { registerStartShortcut } from './start-handoff';

export const registerShortcuts: Register = (app, deps) => {
  registerStartShortcut(app, deps);
  registerMessageShortcut(app, deps);
};
