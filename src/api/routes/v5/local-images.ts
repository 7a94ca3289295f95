import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IMAGE_SCAN_STATUSES, LOCAL_IMAGE_TYPES, type ImageVulTotals } from '../../../domain/image.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import type { LocalImageQuery, LocalImageRow, LocalImageService } from '../../../services/images/local-image-service.js';
import { EnterpriseProjectQuery, Epoch, Long, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';
import { conditionsOf, type ImageQueryInfo } from '../../../services/images/image-selection.js';
import { ImageQueryInfoSchema } from './image-scan-tasks.js';

const Name = (max: number) => Type.Optional(Type.String({ minLength: 1, maxLength: max }));

/** The filters ListImageLocal and BatchScanLocalImage share. */
const CommonFilters = {
  image_name: Name(512),
  image_version: Name(256),
  scan_status: Type.Optional(StringEnum(IMAGE_SCAN_STATUSES)),
  local_image_type: Type.Optional(StringEnum(LOCAL_IMAGE_TYPES)),
  image_size: Type.Optional(Long('Images of at least this many bytes')),
  start_latest_update_time: Type.Optional(Epoch('Images created (or first reported) at or after, epoch ms')),
  end_latest_update_time: Type.Optional(Epoch('… and at or before, epoch ms')),
  start_latest_scan_time: Type.Optional(Epoch('Last scanned at or after, epoch ms')),
  end_latest_scan_time: Type.Optional(Epoch('… and at or before, epoch ms')),
};

const ListQuery = Type.Object({
  // Every query_info field a scan task takes, so the list and an is_all task with the same filter select the same images.
  ...ImageQueryInfoSchema.properties,
  ...EnterpriseProjectQuery,
  ...PagingQuery,
  ...CommonFilters,
  has_vul: Type.Optional(Type.Boolean()),
  host_name: Name(256),
  host_id: Name(64),
  host_ip: Name(64),
  container_id: Name(128),
  container_name: Name(256),
  pod_id: Name(128),
  pod_name: Name(512),
  app_name: Name(256),
  has_container: Type.Optional(Type.Boolean()),
});

/** ImageLocalInfo: the fields openhss fills truthfully; baseline and malware counts are 0 (not scanned for, see the README). */
const ImageLocalInfo = Type.Object({
  id: Type.Integer({ description: "openhss: the image's id, which every other image route takes (vulnerabilities, scan tasks' image_info, exports' image_id_list)" }),
  image_name: Type.String(),
  image_id: Type.String(),
  image_digest: Type.String(),
  image_version: Type.String(),
  local_image_type: Type.String(),
  scan_status: Type.String(),
  image_size: Type.Integer(),
  latest_update_time: Type.Integer(),
  latest_scan_time: Type.Integer(),
  vul_num: Type.Integer(),
  unsafe_setting_num: Type.Integer(),
  malicious_file_num: Type.Integer(),
  host_num: Type.Integer(),
  container_num: Type.Integer(),
  component_num: Type.Integer(),
  scan_failed_desc: Type.String(),
  severity_level: Type.String(),
  host_name: Type.String(),
  host_id: Type.String(),
  agent_id: Type.String(),
});

const BatchScanBody = Type.Object({
  operate_all: Type.Optional(Type.Boolean()),
  image_info_list: Type.Optional(
    Type.Array(
      Type.Object({
        image_id: Name(128),
        image_digest: Name(128),
        image_name: Name(512),
        image_version: Name(256),
      }),
      { maxItems: 1000 },
    ),
  ),
  ...CommonFilters,
});

/** Worst severity present, as the registry image list names it: `High` for critical or high, `Security` when clean, '' before any scan. */
export function severityLevelOf(totals: ImageVulTotals | null): string {
  if (!totals) return '';
  if (totals.critical > 0 || totals.high > 0) return 'High';
  if (totals.medium > 0) return 'Medium';
  if (totals.low > 0 || totals.unknown > 0) return 'Low';
  return 'Security';
}

function toItem(row: LocalImageRow) {
  const { asset, refs, totals } = row;
  return {
    id: Number(asset.id),
    image_name: asset.imageName,
    image_id: asset.imageId ?? '',
    image_digest: asset.imageDigest ?? '',
    image_version: asset.imageVersion,
    local_image_type: asset.localImageType ?? 'other_image',
    scan_status: asset.scanStatus,
    image_size: asset.imageSize ?? 0,
    latest_update_time: asset.latestUpdateTime,
    latest_scan_time: asset.latestScanTime ?? 0,
    vul_num: totals ? totals.critical + totals.high + totals.medium + totals.low + totals.unknown : 0,
    unsafe_setting_num: 0,
    malicious_file_num: 0,
    host_num: refs.hostNum,
    container_num: refs.containerNum,
    component_num: row.componentNum,
    scan_failed_desc: asset.scanFailedReason,
    severity_level: severityLevelOf(totals),
    host_name: refs.host?.hostName ?? '',
    host_id: refs.host?.hostId ?? '',
    agent_id: refs.host?.agentId ?? '',
  };
}

/** ListImageLocal and BatchScanLocalImage. */
export const localImageRoutes =
  (localImages: LocalImageService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v5/:project_id/image/local-repositories',
      {
        schema: {
          operationId: 'ListImageLocal',
          summary: 'List the local images agents reported, where they are and their vulnerabilities',
          tags: ['Container images'],
          params: ProjectIdParams,
          querystring: ListQuery,
          headers: RegionHeader,
          response: { 200: ListOf(ImageLocalInfo), ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const filter: LocalImageQuery = conditionsOf(q as ImageQueryInfo);
        const { total, rows } = await localImages.list(request.params.project_id, scope, filter, pageOf(q));
        return { total_num: total, data_list: rows.map(toItem) };
      },
    );

    app.post(
      '/v5/:project_id/image/local/batch-scan',
      {
        schema: {
          operationId: 'BatchScanLocalImage',
          summary: 'Scan local images: their agents are asked for a fresh report',
          tags: ['Container images'],
          params: ProjectIdParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery }),
          headers: RegionHeader,
          body: BatchScanBody,
          response: { 200: Type.Null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        await localImages.batchScan(request.params.project_id, scope, {
          operateAll: b.operate_all === true,
          images: (b.image_info_list ?? []).map((i) => ({
            ...(i.image_name !== undefined ? { imageName: i.image_name } : {}),
            ...(i.image_version !== undefined ? { imageVersion: i.image_version } : {}),
            ...(i.image_id !== undefined ? { imageId: i.image_id } : {}),
            ...(i.image_digest !== undefined ? { imageDigest: i.image_digest } : {}),
          })),
          filter: conditionsOf(b as ImageQueryInfo),
        });
        return reply.code(200).send(undefined as never);
      },
    );
  };
