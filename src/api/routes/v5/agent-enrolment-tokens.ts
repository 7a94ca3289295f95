import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AgentService } from '../../../services/agent-service.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import { ProjectIdParams, standardErrors } from '../../schemas/common.js';

/** openhss's own: one-time tokens that enrol an agent into the caller's project. */
export const agentEnrolmentTokenRoutes =
  (agents: AgentService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v5/:project_id/openhss/agent-enrolment-tokens',
      {
        schema: {
          operationId: 'CreateAgentEnrolmentToken',
          summary: 'Create a one-time agent enrolment token (openhss); the token is shown once',
          tags: ['Agent'],
          params: ProjectIdParams,
          body: Type.Object({
            enterprise_project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            description: Type.Optional(Type.String({ maxLength: 256 })),
            ttl_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 365 })),
          }),
          response: { 201: Type.Object({ id: Type.String(), token: Type.String(), expires_at: Type.Integer() }), ...standardErrors },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const [enterpriseProjectId] = resolveEnterpriseScope(request.principal!, b.enterprise_project_id);
        const issued = await agents.createEnrolmentToken(request.params.project_id, {
          enterpriseProjectId: enterpriseProjectId!,
          ...(b.description !== undefined ? { description: b.description } : {}),
          ...(b.ttl_hours !== undefined ? { ttlMs: b.ttl_hours * 3_600_000 } : {}),
        });
        return reply.code(201).send({ id: issued.id, token: issued.token, expires_at: issued.expiresAt });
      },
    );
  };
