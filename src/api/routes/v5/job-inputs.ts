import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { COMMON_TASK_TYPES, IAC_FILE_TYPES, type IacFileType } from '../../../domain/common-task.js';
import { invalidParameter } from '../../../domain/errors.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import type { ClusterService } from '../../../services/jobs/cluster-service.js';
import { MAX_IAC_FILE_BYTES, MAX_IAC_FILES, type IacFileService, type IacUpload } from '../../../services/jobs/iac-file-service.js';
import type { JobScheduler } from '../../../services/jobs/job-scheduler.js';
import { EnterpriseProjectQuery, ErrorResponse, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';
import { acceptMultipartFiles, type MultipartBody } from '../../plugins/multipart-files.js';
import { scanInfoOf, TaskScanInfo } from './common-tasks.js';
import { ImageQueryInfoSchema } from './image-scan-tasks.js';

/** A whole upload: many files, each capped. */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

const UploadedFiles = Type.Object({ data_list: Type.Array(Type.Object({ file_id: Type.String(), file_name: Type.String(), file_type: StringEnum(IAC_FILE_TYPES) })) });

/**
 * What jobs scan: IaC files (HSS's batch upload, multipart; openhss's JSON
 * upload), registered clusters (openhss: HSS has no public equivalent), and
 * the schedules that create jobs.
 */
export const jobInputRoutes =
  (deps: { clusters: ClusterService; files: IacFileService; schedules: JobScheduler }): FastifyPluginAsyncTypebox =>
  async (app) => {
    acceptMultipartFiles(app, { fileBytes: MAX_IAC_FILE_BYTES, files: MAX_IAC_FILES });

    app.post(
      '/v5/:project_id/common/files/batch-upload',
      {
        schema: {
          operationId: 'BatchUploadFiles',
          summary: 'Upload IaC files (multipart/form-data: one or more `file` parts; optional field `file_type` dockerfile | k8s_yaml, else told from each file name)',
          tags: ['Jobs'],
          consumes: ['multipart/form-data'],
          body: Type.Object({}, { additionalProperties: true, description: 'multipart/form-data: `file` parts and an optional `file_type` field' }),
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: { 200: UploadedFiles, ...standardErrors },
        },
        bodyLimit: MAX_UPLOAD_BYTES,
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const body = request.body as MultipartBody | undefined;
        if (!body || !Array.isArray(body.files)) throw invalidParameter('Content-Type', 'upload the files as multipart/form-data');
        const fileType = body.fields.file_type;
        if (fileType !== undefined && !(IAC_FILE_TYPES as readonly string[]).includes(fileType)) throw invalidParameter('file_type', `file_type must be one of ${IAC_FILE_TYPES.join(', ')}`);
        const uploads: IacUpload[] = body.files.map((f) => ({ fileName: f.fileName, content: f.content, ...(fileType ? { fileType: fileType as IacFileType } : {}) }));
        return { data_list: await deps.files.upload(request.params.project_id, scope[0]!, uploads) };
      },
    );

    app.post(
      '/v5/:project_id/openhss/iac-files',
      {
        schema: {
          operationId: 'OpenhssUploadIacFiles',
          summary: 'openhss: upload IaC files as JSON (text content)',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({
            files: Type.Array(
              Type.Object({ file_name: Type.String({ minLength: 1, maxLength: 512 }), file_type: Type.Optional(StringEnum(IAC_FILE_TYPES)), content: Type.String({ maxLength: MAX_IAC_FILE_BYTES }) }),
              { minItems: 1, maxItems: MAX_IAC_FILES },
            ),
          }),
          response: { 200: UploadedFiles, ...standardErrors },
        },
        bodyLimit: 32 * 1024 * 1024,
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const stored = await deps.files.upload(
          request.params.project_id,
          scope[0]!,
          request.body.files.map((f) => ({ fileName: f.file_name, content: Buffer.from(f.content, 'utf8'), ...(f.file_type ? { fileType: f.file_type } : {}) })),
        );
        return { data_list: stored };
      },
    );

    app.post(
      '/v5/:project_id/openhss/clusters',
      {
        schema: {
          operationId: 'OpenhssRegisterCluster',
          summary: 'openhss: register a cluster by kubeconfig (sealed at rest, never returned; scans are read-only) or by an offline `kubectl get … -o json` snapshot',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({
            name: Type.String({ minLength: 1, maxLength: 128 }),
            kubeconfig: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 * 1024 })),
            snapshot: Type.Optional(Type.Object({}, { additionalProperties: true })),
          }),
          response: { 200: Type.Object({ id: Type.String(), name: Type.String(), source: Type.String() }), ...standardErrors, 409: ErrorResponse },
        },
        bodyLimit: 64 * 1024 * 1024,
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const b = request.body;
        return deps.clusters.register(request.params.project_id, { enterpriseProjectId: scope[0]!, name: b.name, ...(b.kubeconfig !== undefined ? { kubeconfig: b.kubeconfig } : {}), ...(b.snapshot !== undefined ? { snapshot: b.snapshot } : {}) });
      },
    );

    app.get(
      '/v5/:project_id/openhss/clusters',
      {
        schema: {
          operationId: 'OpenhssListClusters',
          summary: 'openhss: registered clusters (never their kubeconfig)',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery, ...PagingQuery }),
          headers: RegionHeader,
          response: { 200: ListOf(Type.Object({ id: Type.String(), name: Type.String(), source: Type.String(), enterprise_project_id: Type.String(), created_at: Type.Integer() })), ...standardErrors },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const { total, clusters } = await deps.clusters.list(request.params.project_id, scope, pageOf(request.query));
        return { total_num: total, data_list: clusters.map((c) => ({ id: c.id, name: c.name, source: c.source, enterprise_project_id: c.enterprise_project_id, created_at: Number(c.created_at) })) };
      },
    );

    app.delete(
      '/v5/:project_id/openhss/clusters/:cluster_id',
      {
        schema: {
          operationId: 'OpenhssDeleteCluster',
          summary: 'openhss: forget a cluster and its kubeconfig',
          tags: ['Jobs'],
          params: Type.Object({ ...ProjectIdParams.properties, cluster_id: Type.String({ minLength: 1, maxLength: 64 }) }),
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        await deps.clusters.delete(request.params.project_id, request.params.cluster_id);
        return reply.code(200).send(undefined as never);
      },
    );

    app.post(
      '/v5/:project_id/openhss/job-schedules',
      {
        schema: {
          operationId: 'OpenhssCreateJobSchedule',
          summary: 'openhss: run a cluster or IaC scan (trigger_type schedule) or an image scan of every image matching query_info (task_type cycle) daily or weekly at a local time',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({
            task_type: StringEnum([...COMMON_TASK_TYPES, 'image_scan'] as const),
            ...TaskScanInfo,
            image_scan_info: Type.Optional(
              Type.Object({
                global_image_type: Type.Optional(StringEnum(['registry', 'local', 'cicd'] as const)),
                query_info: Type.Optional(ImageQueryInfoSchema),
                scan_scope: Type.Optional(Type.Integer({ minimum: 0, maximum: 0x7fffffff })),
                rate_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
              }),
            ),
            period: StringEnum(['daily', 'weekly'] as const),
            weekday: Type.Optional(Type.Integer({ minimum: 1, maximum: 7, description: 'weekly: ISO weekday, 1 = Monday' })),
            hour: Type.Integer({ minimum: 0, maximum: 23 }),
            minute: Type.Integer({ minimum: 0, maximum: 59 }),
            timezone_offset: Type.Optional(Type.Integer({ minimum: -840, maximum: 720, description: 'Minutes to add to local time to get UTC (GMT+8 is -480); default 0' })),
          }),
          response: { 200: Type.Object({ id: Type.String(), next_run_time: Type.Integer() }), ...standardErrors },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const b = request.body;
        const created = await deps.schedules.create(request.params.project_id, {
          enterpriseProjectId: scope[0]!,
          taskType: b.task_type,
          taskName: b.task_name ?? `scheduled_${b.task_type}`,
          period: b.period,
          ...(b.weekday !== undefined ? { weekday: b.weekday } : {}),
          hour: b.hour,
          minute: b.minute,
          timezoneOffset: b.timezone_offset ?? 0,
          ...scanInfoOf(b),
          ...(b.image_scan_info
            ? {
                imageScanInfo: {
                  imageType: b.image_scan_info.global_image_type ?? 'registry',
                  ...(b.image_scan_info.query_info ? { queryInfo: b.image_scan_info.query_info } : {}),
                  ...(b.image_scan_info.scan_scope !== undefined ? { scanScope: b.image_scan_info.scan_scope } : {}),
                  ...(b.image_scan_info.rate_limit !== undefined ? { rateLimit: b.image_scan_info.rate_limit } : {}),
                },
              }
            : {}),
        });
        return { id: created.id, next_run_time: created.nextRunTime ?? 0 };
      },
    );

    app.get(
      '/v5/:project_id/openhss/job-schedules',
      {
        schema: {
          operationId: 'OpenhssListJobSchedules',
          summary: 'openhss: job schedules and their next run',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: {
            200: ListOf(Type.Object({ id: Type.String(), task_type: Type.String(), task_name: Type.String(), period: Type.String(), weekday: Type.Integer(), hour: Type.Integer(), minute: Type.Integer(), timezone_offset: Type.Integer(), next_run_time: Type.Integer() })),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const rows = await deps.schedules.list(request.params.project_id);
        return {
          total_num: rows.length,
          data_list: rows.map(({ row, nextRunTime }) => ({
            id: row.id,
            task_type: row.task_type,
            task_name: row.task_name,
            period: row.period,
            weekday: row.weekday ?? 0,
            hour: row.hour,
            minute: row.minute,
            timezone_offset: row.timezone_offset,
            next_run_time: nextRunTime ?? 0,
          })),
        };
      },
    );

    app.delete(
      '/v5/:project_id/openhss/job-schedules/:schedule_id',
      {
        schema: {
          operationId: 'OpenhssDeleteJobSchedule',
          summary: 'openhss: delete a job schedule (its jobs stay)',
          tags: ['Jobs'],
          params: Type.Object({ ...ProjectIdParams.properties, schedule_id: Type.String({ minLength: 1, maxLength: 64 }) }),
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        await deps.schedules.delete(request.params.project_id, request.params.schedule_id);
        return reply.code(200).send(undefined as never);
      },
    );
  };
