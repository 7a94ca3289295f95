import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_NODE_RESULTS, type KubernetesNodeReport } from '../../../agent/protocol.js';
import type { KubernetesNodeService } from '../../../services/k8s-node-service.js';
import { ErrorResponse } from '../../schemas/common.js';

const Text = (max: number) => Type.String({ maxLength: max });

const KubernetesNodeReportSchema = Type.Object({
  node_name: Type.String({ minLength: 1, maxLength: 253 }),
  roles: Type.Array(Type.Enum(['control-plane', 'etcd', 'worker']), { maxItems: 3 }),
  benchmark: Text(128),
  collected_at: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  results: Type.Array(
    Type.Object({ id: Type.String({ pattern: '^[0-9]+(\\.[0-9]+){1,3}$', maxLength: 16 }), status: Type.Enum(['passed', 'failed', 'not_evaluated']), message: Text(4096) }),
    { maxItems: MAX_NODE_RESULTS },
  ),
  warnings: Type.Array(Text(4096), { maxItems: 200 }),
});

/** POST /agent/v1/k8s-node (protocol.ts): the CIS node controls the agent decided on its Kubernetes node. */
export const agentKubernetesNodeRoutes =
  (nodes: KubernetesNodeService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/agent/v1/k8s-node',
      {
        schema: {
          operationId: 'AgentReportKubernetesNode',
          summary: 'Report the CIS Kubernetes node controls decided on this host',
          tags: ['Agent'],
          security: [{ agent: [] }],
          body: KubernetesNodeReportSchema,
          response: { 200: Type.Object({ node_name: Type.String(), results: Type.Integer() }), 400: ErrorResponse, 401: ErrorResponse, 500: ErrorResponse },
        },
      },
      async (request) => nodes.report(request.agentHost!, request.body as KubernetesNodeReport),
    );
  };
