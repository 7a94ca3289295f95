import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobQueue, JobState } from '../jobs/queue.js';

export interface HttpMetrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  unexpectedErrors: Counter;
}

/** One registry per process (or per test app), so metrics never leak between instances. */
export function createMetrics(queue?: JobQueue): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'openhss_' });
  const requestDuration = new Histogram({
    name: 'openhss_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const unexpectedErrors = new Counter({ name: 'openhss_http_unexpected_errors_total', help: 'Requests that ended in a 500', registers: [registry] });
  if (queue) {
    new Gauge({
      name: 'openhss_jobs',
      help: 'Jobs in the queue by state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const counts: Record<JobState, number> = await queue.counts();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }
  return { registry, requestDuration, unexpectedErrors };
}
