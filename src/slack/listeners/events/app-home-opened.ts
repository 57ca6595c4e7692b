import type { Register } from '../deps.js';
import { buildHomeView } from '../../views/home.js';
import { insightsViewOptions } from '../../views/insights.js';

/** Opening the Home tab publishes it fresh, and from then on changes to the person's handoffs republish it. */
export const registerAppHomeOpened: Register = (app, { homes, service, client }) => {
  app.event('app_home_opened', async ({ event }) => {
    // The Messages tab sends this event too; only the Home tab has a view to publish.
    if (event.tab !== 'home') return;
    await homes.opened(event.user);
    await client.views.publish({ user_id: event.user, view: buildHomeView(await homes.build(event.user), insightsViewOptions(service.config)) });
  });
};
