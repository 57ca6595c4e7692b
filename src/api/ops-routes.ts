import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Metrics } from '../metrics.js';
import type { HealthReport } from '../services/health.js';
import type { Answer, Route } from './routes.js';

/** True when the request carries `Authorization: Bearer <token>`, compared in constant time. */
export function hasBearer(headers: IncomingHttpHeaders, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1]?.trim() ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

const NOT_AUTHED: Answer = { status: 401, body: { ok: false, error: 'not_authed' }, headers: { 'www-authenticate': 'Bearer' } };

/**
 * /healthz for the orchestrator (503 only when the database cannot take a write) and /metrics for
 * Prometheus. /metrics exists only with a METRICS_TOKEN, and then asks for it as a bearer token: the
 * figures (teams, backlog) are not for whoever reaches the public port.
 */
export function buildOpsRoutes(deps: { health: () => Promise<HealthReport>; metrics: Metrics; metricsToken?: string }): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      handle: async () => {
        const report = await deps.health();
        return { status: report.status === 'failing' ? 503 : 200, body: report };
      },
    },
  ];
  const token = deps.metricsToken;
  if (token)
    routes.push({
      method: 'GET',
      path: '/metrics',
      authenticate: (headers) => (hasBearer(headers, token) ? 'prometheus' : NOT_AUTHED),
      handle: async () => ({ status: 200, body: await deps.metrics.registry.metrics(), headers: { 'content-type': deps.metrics.registry.contentType } }),
    });
  return routes;
}
