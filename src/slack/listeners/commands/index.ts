import type { Register } from '../deps.js';
import { registerHandoffCommand } from './handoff-command.js';

export const registerCommands: Register = (app, deps) => {
  registerHandoffCommand(app, deps);
};
