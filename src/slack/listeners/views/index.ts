import type { Register } from '../deps.js';
import { registerCompleteForm } from './complete-form.js';
import { registerDeclineForm } from './decline-form.js';
import { registerHandoffForm } from './handoff-form.js';
import { registerPassForm } from './pass-form.js';
import { registerReassignForm } from './reassign-form.js';
import { registerRejectForm } from './reject-form.js';
import { registerSnoozeForm } from './snooze-form.js';
import { registerTypePicker } from './type-picker.js';

export const registerViews: Register = (app, deps) => {
  for (const register of [registerTypePicker, registerHandoffForm, registerRejectForm, registerCompleteForm, registerReassignForm, registerSnoozeForm, registerPassForm, registerDeclineForm]) register(app, deps);
};
