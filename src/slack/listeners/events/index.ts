import type { Register } from '../deps.js';
import { registerAppHomeOpened } from './app-home-opened.js';
import { registerSubteamMembersChanged } from './subteam-members-changed.js';

export const registerEvents: Register = (app, deps) => {
  registerSubteamMembersChanged(app, deps);
  registerAppHomeOpened(app, deps);
};
