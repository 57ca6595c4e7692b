import type { Register } from '../deps';
import { registerSubteamMembersChanged } from './subteam-members-changed';

export const registerEvents: Register = (app, deps) => {
  registerSubteamMembersChanged(app, deps);
};
