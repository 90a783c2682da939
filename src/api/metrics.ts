import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from './ServerMetrics.js';

/** GET /metrics in the Prometheus text format (no auth, like the health routes: counts only). */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(body);
  });
}
