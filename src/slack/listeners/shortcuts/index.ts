import type { Register } from '../deps.js';
import { registerMessageShortcut } from './handoff-from-message.js';
import { registerStartShortcut } from './start-handoff.js';

export const registerShortcuts: Register = (app, deps) => {
  registerStartShortcut(app, deps);
  registerMessageShortcut(app, deps);
};
