import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IMAGE_SCAN_STATUSES, QUERY_IMAGE_TYPES, REGISTRY_TYPES, type ImageVulTotals } from '../../../domain/image.js';
import { invalidParameter } from '../../../domain/errors.js';
import type { Registry, RegistryConnectionStatus } from '../../../domain/registry.js';
import { REGISTRY_CONNECTION_STATUSES, REGISTRY_SYNC_STATUSES } from '../../../domain/registry.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import { imageTypeOfRegistry } from '../../../services/images/image-type-mapping.js';
import type { RegistryService, RegistryView } from '../../../services/images/registry-service.js';
import { EnterpriseProjectQuery, Epoch, Long, ListOf, PagingQuery, pagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';
import { filterFromQueryInfo } from '../../../services/images/image-selection.js';
import { ImageQueryInfoSchema } from './image-scan-tasks.js';

const Text = (min: number, max: number, description?: string) => Type.Optional(Type.String({ minLength: min, maxLength: max, ...(description ? { description } : {}) }));
const Millis = (description: string) => Type.Optional(Epoch(description));
const RegistryIdParams = Type.Object({ ...ProjectIdParams.properties, id: Type.String({ minLength: 1, maxLength: 64, description: 'Registry ID' }) });

/** HSS's registry body, plus openhss's `url` and `skip_tls_verify`; the cluster fields are accepted and ignored (openhss reads registries itself). */
const RegistryFields = {
  registry_name: Text(1, 128),
  registry_type: Type.Optional(StringEnum(REGISTRY_TYPES)),
  api_version: Type.Optional(StringEnum(['V2'] as const, { description: 'Only the Distribution (V2) API is supported' })),
  protocol: Type.Optional(StringEnum(['http', 'https'] as const, { description: 'With registry_addr; http means plain HTTP' })),
  registry_addr: Text(1, 256, 'host[:port] (or http(s)://host[:port]); give this with protocol, or url'),
  url: Text(1, 512, 'openhss: http(s)://host[:port]; the scheme says whether the registry speaks plain HTTP'),
  registry_username: Text(0, 256, 'Empty for anonymous access'),
  registry_password: Text(0, 1024, 'Stored encrypted, never returned'),
  namespace: Text(0, 256, 'Only repositories equal to it or under it (namespace/…) are synced; empty for all'),
  skip_tls_verify: Type.Optional(Type.Boolean({ description: 'openhss: HTTPS without certificate verification' })),
  connect_cluster_id: Text(0, 64, 'Accepted and ignored'),
  get_scan_image_channel: Text(0, 16, 'Accepted and ignored'),
};

const AddBody = Type.Object({ ...RegistryFields, registry_name: Type.String({ minLength: 1, maxLength: 128 }), registry_type: StringEnum(REGISTRY_TYPES) });
const UpdateBody = Type.Object(RegistryFields);

const RegistryItem = Type.Object({
  id: Type.String(),
  registry_name: Type.String(),
  registry_type: Type.String(),
  api_version: Type.String(),
  protocol: Type.String(),
  registry_addr: Type.String({ description: 'host[:port]' }),
  url: Type.String({ description: 'openhss: http(s)://host[:port]' }),
  registry_username: Type.String(),
  namespace: Type.String(),
  skip_tls_verify: Type.Boolean({ description: 'openhss' }),
  enterprise_project_id: Type.String(),
  status: StringEnum(['success', 'fail', 'accessing'] as const, { description: 'success: connected; fail: see connection_status and fail_reason; accessing: the connectivity check runs in the background' }),
  connection_status: StringEnum(REGISTRY_CONNECTION_STATUSES, { description: 'openhss: checking (the check after an add or change runs), connected, unauthorized (credentials refused) or unreachable' }),
  fail_reason: Type.String({ description: 'Why the registry is not connected, from the last check or sync' }),
  images_num: Type.Integer(),
  latest_sync_time: Type.Integer({ description: 'End of the last successful sync, epoch ms (0: never)' }),
  sync_status: StringEnum(REGISTRY_SYNC_STATUSES, { description: 'openhss' }),
  sync_failed_reason: Type.String({ description: 'openhss: why the last sync failed, or which tags it could not read' }),
});

const RegistryImageItem = Type.Object({
  id: Type.Integer(),
  namespace: Type.String(),
  image_name: Type.String(),
  image_id: Type.String({ description: 'Config digest' }),
  image_digest: Type.String({ description: 'Manifest (or index) digest' }),
  image_version: Type.String(),
  image_type: StringEnum(QUERY_IMAGE_TYPES),
  registry_id: Type.String(),
  registry_name: Type.String(),
  registry_type: Type.String(),
  scan_status: StringEnum(IMAGE_SCAN_STATUSES),
  scan_failed_desc: Type.String(),
  image_size: Type.Integer({ description: 'Bytes: compressed layers plus config of the linux/amd64 image' }),
  latest_update_time: Type.Integer(),
  latest_scan_time: Type.Integer(),
  latest_sync_time: Type.Integer(),
  vul_num: Type.Integer(),
  severity_level: Type.String({ description: 'After a scan: Security, Low, Medium or High (critical counts as High); empty before' }),
});

const STATUS_FILTER: Record<'success' | 'fail' | 'accessing', RegistryConnectionStatus[]> = { success: ['connected'], fail: ['unauthorized', 'unreachable'], accessing: ['checking'] };
const STATUS_OF: Record<RegistryConnectionStatus, 'success' | 'fail' | 'accessing'> = { connected: 'success', unauthorized: 'fail', unreachable: 'fail', checking: 'accessing' };

function registryItem(r: Registry | RegistryView) {
  return {
    id: r.id,
    registry_name: r.name,
    registry_type: r.registryType,
    api_version: 'V2',
    protocol: r.plainHttp ? 'http' : 'https',
    registry_addr: r.host,
    url: r.url,
    registry_username: r.username,
    namespace: r.namespace,
    skip_tls_verify: r.skipTlsVerify,
    enterprise_project_id: r.enterpriseProjectId,
    status: STATUS_OF[r.status],
    connection_status: r.status,
    fail_reason: r.statusReason,
    images_num: 'imagesNum' in r ? r.imagesNum : 0,
    latest_sync_time: r.lastSyncAt ?? 0,
    sync_status: r.syncStatus,
    sync_failed_reason: r.syncReason,
  };
}

function severityLevel(t: ImageVulTotals | null): string {
  if (!t) return '';
  if (t.critical + t.high > 0) return 'High';
  if (t.medium > 0) return 'Medium';
  if (t.low + t.unknown > 0) return 'Low';
  return 'Security';
}

/** `url`, or HSS's `registry_addr` with `protocol` (https by default), as one URL and the field to blame for it. */
function addressOf(body: { url?: string | undefined; registry_addr?: string | undefined; protocol?: 'http' | 'https' | undefined }, fallbackHost?: { host: string; plainHttp: boolean }): { url: string; urlField: string } | undefined {
  if (body.url !== undefined) return { url: body.url, urlField: 'url' };
  if (body.registry_addr === undefined && body.protocol === undefined) return undefined;
  const addr = body.registry_addr ?? fallbackHost?.host ?? '';
  if (addr.includes('://')) {
    if (body.protocol && !addr.startsWith(`${body.protocol}://`)) throw invalidParameter('registry_addr', `Invalid parameter: registry_addr ${addr} disagrees with protocol ${body.protocol}`);
    return { url: addr, urlField: 'registry_addr' };
  }
  const protocol = body.protocol ?? (fallbackHost && !body.registry_addr ? (fallbackHost.plainHttp ? 'http' : 'https') : 'https');
  return { url: `${protocol}://${addr}`, urlField: 'registry_addr' };
}

/** HSS registry management (AddRegistry, ListRegistry, UpdateRegistry, DeleteRegistry), openhss's sync trigger, and ListRegistryImages. */
export const registryRoutes =
  (registries: RegistryService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v5/:project_id/image/registries',
      {
        schema: {
          operationId: 'AddRegistry',
          summary: 'Add an image registry; it is saved at once (connection_status checking) and its connectivity is checked in the background (see the registry list)',
          tags: ['Registries'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: AddBody,
          response: { 200: RegistryItem, ...standardErrors, 409: standardErrors[400]! },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const b = request.body;
        const address = addressOf(b);
        if (!address) throw invalidParameter('url', 'Invalid parameter: body.url is required (or registry_addr with protocol)');
        const registry = await registries.add(request.params.project_id, {
          enterpriseProjectId: scope.length === 1 ? scope[0]! : '0',
          name: b.registry_name,
          registryType: b.registry_type,
          ...address,
          ...(b.namespace !== undefined ? { namespace: b.namespace } : {}),
          ...(b.registry_username !== undefined ? { username: b.registry_username } : {}),
          ...(b.registry_password !== undefined ? { password: b.registry_password } : {}),
          ...(b.skip_tls_verify !== undefined ? { skipTlsVerify: b.skip_tls_verify } : {}),
        });
        return registryItem(registry);
      },
    );

    app.get(
      '/v5/:project_id/image/registries',
      {
        schema: {
          operationId: 'ListRegistry',
          summary: 'List image registries with their connection and sync state',
          tags: ['Registries'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            registry_name: Text(1, 128),
            registry_id: Text(1, 64),
            registry_type: Text(1, 256, 'Comma-separated registry types'),
            registry_addr: Text(1, 256),
            status: Type.Optional(StringEnum(['success', 'fail', 'accessing'] as const)),
          }),
          headers: RegionHeader,
          response: { 200: ListOf(RegistryItem), ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const types = q.registry_type?.split(',').map((t) => t.trim()).filter(Boolean);
        const unknown = types?.find((t) => !(REGISTRY_TYPES as readonly string[]).includes(t));
        if (unknown !== undefined) throw invalidParameter('registry_type', `Invalid parameter: query.registry_type must list values of: ${REGISTRY_TYPES.join(', ')}`);
        const { total, registries: rows } = await registries.list(
          request.params.project_id,
          {
            enterpriseProjectIds: scope,
            ...(q.registry_name ? { name: q.registry_name } : {}),
            ...(q.registry_id ? { id: q.registry_id } : {}),
            ...(q.registry_addr ? { host: q.registry_addr } : {}),
            ...(types ? { registryTypes: types } : {}),
            ...(q.status ? { statuses: STATUS_FILTER[q.status] } : {}),
          },
          pageOf(q),
        );
        return { total_num: total, data_list: rows.map(registryItem) };
      },
    );

    app.get(
      '/v5/:project_id/image/registries/images',
      {
        schema: {
          operationId: 'ListRegistryImages',
          summary: 'List the images (tags) of synced registries',
          tags: ['Registries'],
          params: ProjectIdParams,
          querystring: Type.Object({
            // Every query_info field a scan task takes, so the list and an is_all task with the same filter select the same images.
            ...ImageQueryInfoSchema.properties,
            ...EnterpriseProjectQuery,
            ...pagingQuery(1),
            namespace: Text(1, 256),
            image_name: Text(1, 256),
            image_version: Text(1, 256),
            image_type: Type.Optional(StringEnum(QUERY_IMAGE_TYPES)),
            registry_id: Text(1, 64, 'openhss: images of this registry'),
            registry_name: Text(1, 128, 'Images of the registry with this name'),
            scan_status: Type.Optional(StringEnum(IMAGE_SCAN_STATUSES)),
            image_size: Type.Optional(Long('Images of at least this many bytes')),
            start_latest_update_time: Millis('Earliest latest update time, epoch ms'),
            end_latest_update_time: Millis('Latest latest update time, epoch ms'),
            start_latest_scan_time: Millis('Earliest latest scan completion, epoch ms'),
            end_latest_scan_time: Millis('Latest latest scan completion, epoch ms'),
            has_vul: Type.Optional(Type.Boolean()),
          }),
          headers: RegionHeader,
          response: { 200: ListOf(RegistryImageItem), ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        // The same filter a scan task's query_info builds: is_all scans exactly what this list shows.
        const { total, images } = await registries.listImages(
          filterFromQueryInfo(request.params.project_id, scope, 'registry', q),
          pageOf(q),
        );
        return {
          total_num: total,
          data_list: images.map((a) => {
            const t = a.vulTotals;
            return {
              id: Number(a.id),
              namespace: a.namespace,
              image_name: a.imageName,
              image_id: a.imageId ?? '',
              image_digest: a.imageDigest ?? '',
              image_version: a.imageVersion,
              image_type: imageTypeOfRegistry(a.registryType),
              registry_id: a.registryId ?? '',
              registry_name: a.registryName,
              registry_type: a.registryType,
              scan_status: a.scanStatus,
              scan_failed_desc: a.scanFailedReason,
              image_size: a.imageSize ?? 0,
              latest_update_time: a.latestUpdateTime,
              latest_scan_time: a.latestScanTime ?? 0,
              latest_sync_time: a.latestSyncTime ?? 0,
              vul_num: t ? t.critical + t.high + t.medium + t.low + t.unknown : 0,
              severity_level: severityLevel(t),
            };
          }),
        };
      },
    );

    app.get(
      '/v5/:project_id/image/registries/:id',
      {
        schema: {
          operationId: 'ShowRegistry',
          summary: 'One image registry (openhss)',
          tags: ['Registries'],
          params: RegistryIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: { 200: RegistryItem, ...standardErrors },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const registry = await registries.get(request.params.project_id, request.params.id, scope);
        const { registries: [view] } = await registries.list(request.params.project_id, { enterpriseProjectIds: scope, id: registry.id }, { offset: 0, limit: 1 });
        return registryItem(view ?? registry);
      },
    );

    app.put(
      '/v5/:project_id/image/registries/:id',
      {
        schema: {
          operationId: 'UpdateRegistry',
          summary: 'Change a registry; its connectivity is checked again in the background',
          tags: ['Registries'],
          params: RegistryIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: UpdateBody,
          response: { 200: RegistryItem, ...standardErrors, 409: standardErrors[400]! },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const { project_id: projectId, id } = request.params;
        const b = request.body;
        const current = await registries.get(projectId, id, scope);
        const address = addressOf(b, current);
        const registry = await registries.update(
          projectId,
          id,
          {
            ...(address ?? {}),
            ...(b.registry_name !== undefined ? { name: b.registry_name } : {}),
            ...(b.registry_type !== undefined ? { registryType: b.registry_type } : {}),
            ...(b.namespace !== undefined ? { namespace: b.namespace } : {}),
            ...(b.registry_username !== undefined ? { username: b.registry_username } : {}),
            ...(b.registry_password !== undefined ? { password: b.registry_password } : {}),
            ...(b.skip_tls_verify !== undefined ? { skipTlsVerify: b.skip_tls_verify } : {}),
          },
          scope,
        );
        return registryItem(registry);
      },
    );

    app.delete(
      '/v5/:project_id/image/registries/:id',
      {
        schema: {
          operationId: 'DeleteRegistry',
          summary: 'Delete a registry; its images leave the lists (kept as history)',
          tags: ['Registries'],
          params: RegistryIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        await registries.delete(request.params.project_id, request.params.id, scope);
        return reply.code(200).send(undefined as never);
      },
    );

    app.post(
      '/v5/:project_id/image/registries/:id/sync',
      {
        schema: {
          operationId: 'SyncRegistry',
          summary: "Queue a sync of the registry's tags into the image list (openhss); returns at once",
          tags: ['Registries'],
          params: RegistryIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: {
            200: Type.Object({ started: Type.Boolean({ description: 'false: a sync of this registry is already running and covers the request' }), sync_status: StringEnum(REGISTRY_SYNC_STATUSES) }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const { started } = await registries.requestSync(request.params.project_id, request.params.id, scope);
        const registry = await registries.get(request.params.project_id, request.params.id);
        return { started, sync_status: registry.syncStatus };
      },
    );
  };
