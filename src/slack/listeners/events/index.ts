import type { Register } from '../deps';
import { registerAppHomeOpened } from './app-home-opened';
import { registerSubteamMembersChanged } from './subteam-members-changed';

export const registerEvents: Register = (app, deps) => {
  registerSubteamMembersChanged(app, deps);
  registerAppHomeOpened(app, deps);
};
