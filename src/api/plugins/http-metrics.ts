import type { FastifyInstance } from 'fastify';
import type { HttpMetrics } from '../../observability/metrics.js';

/** Latency per route template (never the raw URL, which would explode label cardinality). */
export function registerHttpMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.requestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) metrics.unexpectedErrors.inc();
  });
}
