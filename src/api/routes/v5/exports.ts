import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { conditionsOf, type ImageQueryInfo } from '../../../services/images/image-selection.js';
import { HOST_VUL_STATUSES, HSS_SEVERITIES } from '../../../domain/host-vul.js';
import { ASSET_VALUES } from '../../../domain/host.js';
import { IMAGE_SCAN_STATUSES, IMAGE_VUL_HANDLE_STATUSES, IMAGE_VUL_TYPES, type ImageScanStatus, type ImageVulHandleStatus, type ImageVulType } from '../../../domain/image.js';
import { VUL_TYPES } from '../../../domain/vulnerability.js';
import { EXPORT_FORMATS, MAX_EXPORT_SIZE, type ExportFormat } from '../../../exports/kinds.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import type { ExportService, ImageVulExportRequest } from '../../../services/export-service.js';
import { Epoch, Long, EnterpriseProjectQuery, PagingQuery, ProjectIdParams, RawResponse, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';

const ExportQuery = {
  ...EnterpriseProjectQuery,
  export_size: Type.Integer({ minimum: 1, maximum: MAX_EXPORT_SIZE, description: `Most rows to export, 1-${MAX_EXPORT_SIZE}` }),
  format: Type.Optional(StringEnum(EXPORT_FORMATS, { default: 'xlsx', description: 'openhss: xlsx (default) or csv' })),
};

const ExportCreated = Type.Object({
  record_total_num: Type.Integer({ description: 'Rows the file will hold: the matching rows, at most export_size' }),
  task_id: Type.String(),
});

/** The body fields both image exports share: the image list's filters plus vulnerability filters. */
const ImageExportFields = {
  image_id_list: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 10_000, description: 'Images by the `id` of the image list, or by image id or digest (sha256:…); needed unless operate_all is true' })),
  operate_all: Type.Optional(Type.Boolean({ description: 'true: every image the filters select' })),
  vul_type: Type.Optional(StringEnum(IMAGE_VUL_TYPES)),
  handle_status: Type.Optional(StringEnum(IMAGE_VUL_HANDLE_STATUSES)),
  scan_status: Type.Optional(StringEnum(IMAGE_SCAN_STATUSES)),
  image_name: Type.Optional(Type.String({ maxLength: 512 })),
  image_version: Type.Optional(Type.String({ maxLength: 256 })),
  image_size: Type.Optional(Long('openhss: images of at least this many bytes')),
  start_latest_update_time: Type.Optional(Epoch('Latest update from (ms)')),
  end_latest_update_time: Type.Optional(Epoch('Latest update to (ms)')),
  start_latest_scan_time: Type.Optional(Epoch('Latest scan from (ms)')),
  end_latest_scan_time: Type.Optional(Epoch('Latest scan to (ms)')),
  vul_id_list: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 })),
};

/** Both image exports' bodies, as validated. */
interface ImageExportBody {
  image_id_list?: string[];
  operate_all?: boolean;
  vul_type?: ImageVulType;
  handle_status?: ImageVulHandleStatus;
  scan_status?: ImageScanStatus;
  image_name?: string;
  image_version?: string;
  image_size?: number;
  start_latest_update_time?: number;
  end_latest_update_time?: number;
  start_latest_scan_time?: number;
  end_latest_scan_time?: number;
  vul_id_list?: string[];
  has_container?: boolean;
  namespace?: string;
}


function imageRequest(
  imageType: 'local' | 'registry',
  b: ImageExportBody,
  q: { enterprise_project_id?: string; export_size: number; format?: ExportFormat },
  enterpriseProjectIds: string[],
): ImageVulExportRequest {
  return {
    imageType,
    enterpriseProjectIds,
    enterpriseProjectId: q.enterprise_project_id || '0',
    operateAll: b.operate_all === true,
    imageIds: b.image_id_list ?? [],
    assetFilter: conditionsOf(b as ImageQueryInfo),
    ...(b.vul_type ? { vulType: b.vul_type } : {}),
    ...(b.handle_status ? { handleStatus: b.handle_status } : {}),
    ...(b.vul_id_list ? { vulIds: b.vul_id_list } : {}),
    exportSize: q.export_size,
    format: q.format ?? 'xlsx',
  };
}

/** Export tasks: creating them (image and host vulnerabilities), following them, and downloading their files. */
export const exportRoutes =
  (service: ExportService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v5/:project_id/image/local-vulnerability/export',
      {
        schema: {
          operationId: 'BatchExportLocalVulTask',
          summary: 'Export the vulnerabilities of local images (asynchronous; follow the returned task)',
          tags: ['Container images', 'Exports'],
          params: ProjectIdParams,
          querystring: Type.Object(ExportQuery),
          headers: RegionHeader,
          body: Type.Object({ ...ImageExportFields, has_container: Type.Optional(Type.Boolean()) }),
          response: { 200: ExportCreated, ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const created = await service.createImageVulExport(request.params.project_id, imageRequest('local', request.body, q, resolveEnterpriseScope(request.principal!, q.enterprise_project_id)));
        return { record_total_num: created.recordTotalNum, task_id: created.taskId };
      },
    );

    // HSS documents no export of registry image vulnerabilities; this mirrors the local one.
    app.post(
      '/v5/:project_id/image/registry-vulnerability/export',
      {
        schema: {
          operationId: 'ExportRegistryImageVulnerabilities',
          summary: 'openhss: export the vulnerabilities of registry images (asynchronous; follow the returned task)',
          tags: ['Container images', 'Exports'],
          params: ProjectIdParams,
          querystring: Type.Object(ExportQuery),
          headers: RegionHeader,
          body: Type.Object({ ...ImageExportFields, namespace: Type.Optional(Type.String({ maxLength: 256 })) }),
          response: { 200: ExportCreated, ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const created = await service.createImageVulExport(request.params.project_id, imageRequest('registry', request.body, q, resolveEnterpriseScope(request.principal!, q.enterprise_project_id)));
        return { record_total_num: created.recordTotalNum, task_id: created.taskId };
      },
    );

    app.post(
      '/v5/:project_id/vul/export',
      {
        schema: {
          operationId: 'ExportVuls',
          summary: 'Export host vulnerabilities and the hosts they affect (asynchronous; follow the returned task)',
          tags: ['Vulnerability management', 'Exports'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...ExportQuery,
            // Accepted as HSS documents them; export_size bounds the file instead.
            ...PagingQuery,
            category: StringEnum(['vul', 'host'] as const, { description: 'vul: rows grouped by vulnerability; host: grouped by host' }),
            type: Type.Optional(StringEnum(VUL_TYPES, { default: 'linux_vul' })),
            vul_id: Type.Optional(Type.String({ maxLength: 256 })),
            vul_name: Type.Optional(Type.String({ maxLength: 256 })),
            host_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            cve_id: Type.Optional(Type.String({ maxLength: 64 })),
            repair_priority: Type.Optional(StringEnum(HSS_SEVERITIES)),
            handle_status: Type.Optional(StringEnum(['unhandled', 'handled'] as const)),
            status: Type.Optional(StringEnum(HOST_VUL_STATUSES)),
            asset_value: Type.Optional(StringEnum(ASSET_VALUES)),
          }),
          headers: RegionHeader,
          response: { 200: ExportCreated, ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const created = await service.createHostVulExport(request.params.project_id, {
          enterpriseProjectId: q.enterprise_project_id || '0',
          exportSize: q.export_size,
          format: q.format ?? 'xlsx',
          filter: {
            order: q.category,
            list: {
              type: q.type ?? 'linux_vul',
              enterpriseProjectIds: resolveEnterpriseScope(request.principal!, q.enterprise_project_id),
              ...(q.vul_id ? { vulId: q.vul_id } : {}),
              ...(q.vul_name ? { vulName: q.vul_name } : {}),
              ...(q.cve_id ? { cveId: q.cve_id } : {}),
              ...(q.status ? { status: q.status } : {}),
              ...(q.handle_status ? { handleStatus: q.handle_status } : {}),
              ...(q.repair_priority ? { severities: [q.repair_priority] } : {}),
              ...(q.asset_value ? { assetValue: q.asset_value } : {}),
              ...(q.host_id ? { hostId: q.host_id } : {}),
            },
          },
        });
        return { record_total_num: created.recordTotalNum, task_id: created.taskId };
      },
    );

    app.get(
      '/v5/:project_id/export-task/:task_id',
      {
        schema: {
          operationId: 'ListQueryExportTask',
          summary: 'Show an export task',
          tags: ['Exports'],
          params: Type.Object({ ...ProjectIdParams.properties, task_id: Type.String({ minLength: 1, maxLength: 64 }) }),
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: {
            200: Type.Object({
              task_id: Type.String(),
              task_name: Type.String(),
              task_status: StringEnum(['running', 'success', 'failure'] as const),
              file_id: Type.String({ description: 'Set once task_status is success' }),
              file_name: Type.String(),
              failed_reason: Type.String({ description: 'openhss: why the task failed' }),
              record_total_num: Type.Integer({ description: 'openhss: rows the file holds (or will hold)' }),
              expires_at: Type.Integer({ description: 'openhss: when the file is deleted (ms); 0 until it exists' }),
              matched_num: Type.Integer({ description: 'openhss: rows that matched the filters when the task was created' }),
              truncated: Type.Boolean({ description: 'openhss: true when export_size cut the file short of the matching rows' }),
              status_detail: Type.String({ description: "openhss: what the file holds, e.g. that it was truncated at export_size" }),
            }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const task = await service.get(request.params.project_id, request.params.task_id);
        const done = task.status === 'success';
        const rows = done ? task.rowsWritten : task.recordTotalNum;
        const matched = task.matchedNum ?? rows;
        const truncated = matched > task.exportSize;
        return {
          task_id: task.id,
          task_name: task.taskName,
          task_status: task.status,
          file_id: done ? (task.fileId ?? '') : '',
          file_name: task.fileName,
          failed_reason: task.failedReason,
          record_total_num: rows,
          expires_at: done ? task.expiresAt : 0,
          matched_num: matched,
          truncated,
          status_detail: truncated ? `truncated: the file holds the first ${rows} of ${matched} matching rows (export_size ${task.exportSize})` : '',
        };
      },
    );

    app.get(
      '/v5/:project_id/download/:file_id',
      {
        schema: {
          operationId: 'DownloadExportedFile',
          summary: "Download an export task's file (application/octet-stream)",
          tags: ['Exports'],
          params: Type.Object({ ...ProjectIdParams.properties, file_id: Type.String({ minLength: 1, maxLength: 64 }) }),
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: { 200: RawResponse('application/octet-stream', 'The exported file'), ...standardErrors },
        },
      },
      async (request, reply) => {
        const { stream, size, fileName } = await service.download(request.params.project_id, request.params.file_id);
        return reply
          .header('Content-Type', 'application/octet-stream')
          .header('Content-Length', size)
          .header('Content-Disposition', `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
          .send(stream);
      },
    );
  };
