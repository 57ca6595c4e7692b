import type { Register } from '../deps.js';
import { registerAccept } from './accept.js';
import { registerApprove } from './approve.js';
import { registerCancel } from './cancel.js';
import { registerComplete } from './complete.js';
import { registerDecline } from './decline.js';
import { registerFormFieldChanged } from './form-field-changed.js';
import { registerHistory } from './history.js';
import { registerHomeStart } from './home-start.js';
import { registerAwayEnd } from './away-end.js';
import { registerNudgeOwner } from './nudge-owner.js';
import { registerPass } from './pass.js';
import { registerOpenLink } from './open-link.js';
import { registerReassign } from './reassign.js';
import { registerReject } from './reject.js';
import { registerRelease } from './release.js';
import { registerResubmit } from './resubmit.js';
import { registerSnooze } from './snooze.js';
import { registerStartNext } from './start-next.js';

export const registerActions: Register = (app, deps) => {
  for (const register of [registerAccept, registerReject, registerComplete, registerReassign, registerRelease, registerCancel, registerResubmit, registerStartNext, registerSnooze, registerNudgeOwner, registerOpenLink, registerHistory, registerHomeStart, registerPass, registerAwayEnd, registerFormFieldChanged, registerApprove, registerDecline])
    register(app, deps);
};
