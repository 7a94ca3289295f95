import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ASSET_VALUES } from '../../../domain/host.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import type { HostService } from '../../../services/host-service.js';
import { EnterpriseProjectQuery, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';

/** The fields of HSS's host item that openhss fills truthfully; the rest are left out (see the README). */
const HostItem = Type.Object({
  host_id: Type.String(),
  host_name: Type.String(),
  agent_id: Type.String(),
  private_ip: Type.String(),
  public_ip: Type.String(),
  enterprise_project_id: Type.String(),
  os_type: Type.String(),
  os_name: Type.String(),
  os_version: Type.String(),
  kernel_version: Type.String(),
  agent_status: Type.String(),
  agent_version: Type.String(),
  agent_create_time: Type.Integer(),
  agent_update_time: Type.Integer(),
  asset_value: StringEnum(ASSET_VALUES),
  outside_host: Type.Boolean(),
  host_sources: Type.String(),
});

/** HSS ListHostStatus and the asset value setting. */
export const hostRoutes =
  (hosts: HostService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v5/:project_id/host-management/hosts',
      {
        schema: {
          operationId: 'ListHostStatus',
          summary: 'List hosts with their agent status',
          tags: ['Hosts'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            host_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            host_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            private_ip: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            ip_addr: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            agent_status: Type.Optional(StringEnum(['online', 'offline', 'not_online', 'installed'] as const)),
            asset_value: Type.Optional(StringEnum(ASSET_VALUES)),
          }),
          headers: RegionHeader,
          response: { 200: ListOf(HostItem), ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const status = q.agent_status === 'not_online' ? 'offline' : q.agent_status === 'installed' ? undefined : q.agent_status;
        const ip = q.ip_addr ?? q.private_ip;
        const { total, hosts: rows } = await hosts.list(
          request.params.project_id,
          {
            enterpriseProjectIds: scope,
            ...(q.host_name ? { hostName: q.host_name } : {}),
            ...(q.host_id ? { hostId: q.host_id } : {}),
            ...(ip ? { hostIp: ip } : {}),
            ...(q.asset_value ? { assetValue: q.asset_value } : {}),
            ...(status ? { agentStatus: status } : {}),
          },
          pageOf(q),
        );
        return {
          total_num: total,
          data_list: rows.map((h) => ({
            host_id: h.id,
            host_name: h.hostName,
            agent_id: h.agentId,
            private_ip: h.privateIp,
            public_ip: h.publicIp,
            enterprise_project_id: h.enterpriseProjectId,
            os_type: h.osType,
            os_name: h.osName,
            os_version: h.osVersion,
            kernel_version: h.kernel,
            agent_status: h.agentStatus,
            agent_version: h.agentVersion,
            agent_create_time: h.createdAt,
            agent_update_time: h.lastSeenAt,
            asset_value: h.assetValue,
            outside_host: true,
            host_sources: 'outside',
          })),
        };
      },
    );

    app.put(
      '/v5/:project_id/host-management/asset-value',
      {
        schema: {
          operationId: 'SetHostAssetValue',
          summary: 'Set the asset value (important, common, test) of hosts (openhss)',
          tags: ['Hosts'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          body: Type.Object({ host_id_list: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 }), asset_value: StringEnum(ASSET_VALUES) }),
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        await hosts.setAssetValue(request.params.project_id, request.body.host_id_list, request.body.asset_value);
        return reply.code(200).send(undefined as never);
      },
    );
  };
