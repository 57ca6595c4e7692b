import type { Register } from '../deps.js';

/** Keeps user-group based teams current without waiting for the cache to expire. */
export const registerSubteamMembersChanged: Register = (app, { directory }) => {
  app.event('subteam_members_changed', async ({ event }) => {
    directory.invalidate(event.subteam_id);
  });
};
