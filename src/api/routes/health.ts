import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export interface ReadinessProbe {
  /** Empty when ready; otherwise the reasons it is not. */
  check(): Promise<string[]>;
}

const HealthResponse = Type.Object({ status: Type.String() });
const ReadyResponse = Type.Object({ status: Type.String(), reasons: Type.Optional(Type.Array(Type.String())) });

export const healthRoutes =
  (readiness: ReadinessProbe): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/healthz',
      { schema: { operationId: 'Healthz', summary: 'The process is alive', tags: ['Operations'], security: [], response: { 200: HealthResponse } } },
      async () => ({ status: 'ok' }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          operationId: 'Readyz',
          summary: 'The database is reachable and migrated',
          tags: ['Operations'],
          security: [],
          response: { 200: ReadyResponse, 503: ReadyResponse },
        },
      },
      async (_request, reply) => {
        const reasons = await readiness.check();
        if (reasons.length > 0) return reply.code(503).send({ status: 'not ready', reasons });
        return { status: 'ready' };
      },
    );
  };
