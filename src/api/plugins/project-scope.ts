import type { FastifyInstance } from 'fastify';
import { forbidden } from '../../domain/errors.js';

/**
 * A credential reaches only its own project: any route with a `project_id`
 * path parameter refuses other projects with HSS.0013, whether or not they exist.
 */
export function registerProjectScope(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const params = request.params as { project_id?: string } | undefined;
    const requested = params?.project_id;
    if (requested === undefined || !request.principal) return;
    if (requested !== request.principal.projectId) throw forbidden(`Insufficient permissions: the credential has no access to project ${requested}`);
  });
}
