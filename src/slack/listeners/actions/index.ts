import type { Register } from '../deps';
import { registerAccept } from './accept';
import { registerCancel } from './cancel';
import { registerComplete } from './complete';
import { registerHistory } from './history';
import { registerHomeStart } from './home-start';
import { registerNudgeOwner } from './nudge-owner';
import { registerOpenLink } from './open-link';
import { registerReassign } from './reassign';
import { registerReject } from './reject';
import { registerRelease } from './release';
import { registerResubmit } from './resubmit';
import { registerSnooze } from './snooze';
import { registerStartNext } from './start-next';

export const registerActions: Register = (app, deps) => {
  for (const register of [registerAccept, registerReject, registerComplete, registerReassign, registerRelease, registerCancel, registerResubmit, registerStartNext, registerSnooze, registerNudgeOwner, registerOpenLink, registerHistory, registerHomeStart])
    register(app, deps);
};
