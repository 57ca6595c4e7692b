import type { Register } from '../deps';
import { registerHandoffCommand } from './handoff-command';

export const registerCommands: Register = (app, deps) => {
  registerHandoffCommand(app, deps);
};
