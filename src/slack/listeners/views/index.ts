import type { Register } from '../deps';
import { registerCompleteForm } from './complete-form';
import { registerHandoffForm } from './handoff-form';
import { registerReassignForm } from './reassign-form';
import { registerRejectForm } from './reject-form';
import { registerSnoozeForm } from './snooze-form';
import { registerTypePicker } from './type-picker';

export const registerViews: Register = (app, deps) => {
  for (const register of [registerTypePicker, registerHandoffForm, registerRejectForm, registerCompleteForm, registerReassignForm, registerSnoozeForm]) register(app, deps);
};
