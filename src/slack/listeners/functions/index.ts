import type { Register } from '../deps';
import { registerStartHandoffStep } from './start-handoff-step';

export const registerFunctions: Register = (app, deps) => {
  registerStartHandoffStep(app, deps);
};
