import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { RawResponse, standardErrors } from '../schemas/common.js';

export const metricsRoutes =
  (registry: Registry): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          operationId: 'Metrics',
          summary: 'Prometheus metrics (authenticated like every other route)',
          tags: ['Operations'],
          response: { 200: RawResponse('text/plain', 'Prometheus text exposition format'), ...standardErrors },
        },
      },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    );
  };
