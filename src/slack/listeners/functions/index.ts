import type { Register } from '../deps.js';
import { registerStartHandoffStep } from './start-handoff-step.js';

export const registerFunctions: Register = (app, deps) => {
  registerStartHandoffStep(app, deps);
};
