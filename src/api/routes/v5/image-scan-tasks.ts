import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IMAGE_SCAN_STATUSES, LOCAL_IMAGE_TYPES, QUERY_IMAGE_TYPES, REGISTRY_TYPES, type ImageSource } from '../../../domain/image.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import { notSupportedText, type ImageScanService } from '../../../services/images/image-scan-service.js';
import { EnterpriseProjectQuery, Epoch, Long, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';

const Text = (max: number) => Type.Optional(Type.String({ minLength: 0, maxLength: max }));
const Millis = (description: string) => Type.Optional(Epoch(description));

/** HSS `query_info`: the image list filters; schedules of image scans take it too. */
export const ImageQueryInfoSchema = Type.Object(
  {
    local_image_type: Type.Optional(StringEnum(LOCAL_IMAGE_TYPES)),
    registry_name: Text(128),
    registry_id: Text(64),
    host_id: Text(128),
    host_name: Text(128),
    public_ip: Text(128),
    private_ip: Text(128),
    cluster_id: Text(128),
    container_id: Text(128),
    container_name: Text(128),
    pod_id: Text(64),
    pod_name: Text(512),
    app_name: Text(256),
    has_vul: Type.Optional(Type.Boolean()),
    namespace: Text(256),
    image_name: Text(256),
    image_version: Text(256),
    image_type: Type.Optional(StringEnum(QUERY_IMAGE_TYPES)),
    scan_status: Type.Optional(StringEnum(IMAGE_SCAN_STATUSES)),
    image_size: Type.Optional(Long('Images of at least this many bytes')),
    start_latest_update_time: Millis('Earliest latest update time, epoch ms'),
    end_latest_update_time: Millis('Latest latest update time, epoch ms'),
    start_latest_scan_time: Millis('Earliest latest scan completion, epoch ms'),
    end_latest_scan_time: Millis('Latest latest scan completion, epoch ms'),
  },
  { description: 'With is_all: the list filters selecting the images' },
);

const ImageInfo = Type.Object({
  id: Type.Optional(Type.Union([Long('The image id from the image lists', { minimum: 1 }), Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9]+$' })], { description: 'The image id from the image lists (an HSS Long; its digits as a string are taken too)' })),
  image_id: Text(128),
  image_digest: Text(128),
  registry_id: Text(64),
  registry_name: Text(128),
  image_name: Text(512),
  image_version: Text(256),
  namespace: Text(256),
  instance_id: Text(128),
  instance_url: Text(512),
  registry_type: Type.Optional(StringEnum(REGISTRY_TYPES)),
});

const CreateBody = Type.Object({
  scan_scope: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 0x7fffffff,
      description: 'Bitmask (0x7fffffff: all). openhss runs vulnerabilities (0x000f0000); the other modules are recorded on the task as not supported. 0 is refused.',
    }),
  ),
  rate_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Images per hour, 0 = no limit' })),
  is_all: Type.Optional(Type.Boolean()),
  query_info: Type.Optional(ImageQueryInfoSchema),
  image_info: Type.Optional(Type.Array(ImageInfo, { maxItems: 10_000 })),
  task_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'openhss: a name for the task (default image_scan_<time>)' })),
});

const GLOBAL_IMAGE_TYPES = ['registry', 'local', 'local_image', 'cicd'] as const;
const sourceOf = (t: (typeof GLOBAL_IMAGE_TYPES)[number] | undefined): ImageSource => (t === 'local' || t === 'local_image' ? 'local' : t === 'cicd' ? 'cicd' : 'registry');
const TASK_STATUSES = ['running', 'finished', 'stopped', 'timeout', 'error'] as const;

const FailedImage = Type.Object({
  id: Type.Integer(),
  registry_id: Type.String(),
  registry_name: Type.String(),
  image_name: Type.String(),
  image_version: Type.String(),
  namespace: Type.String(),
  registry_type: Type.String(),
  failed_reason: Type.String(),
});

const TaskInfo = Type.Object({
  task_id: Type.String(),
  task_name: Type.String(),
  begin_time: Type.Integer(),
  end_time: Type.Integer(),
  remain_min: Type.Integer(),
  task_type: Type.String(),
  image_type: Type.String(),
  task_status: Type.Integer({ description: '0-100 progress (100 done); -1 stopped, -2 timed out, -3 error' }),
  scan_scope: Type.Integer(),
  rate_limit: Type.Integer(),
  is_all: Type.Boolean(),
  failed_num: Type.Integer(),
  success_num: Type.Integer(),
  total_num: Type.Integer(),
  risky_num: Type.Integer(),
  failed_reason: Type.String({ description: "Why the task ended early; 'not supported: …' names the scan_scope modules openhss did not run" }),
  failed_images: Type.Array(FailedImage),
  not_supported: Type.Array(Type.String(), { description: 'openhss: the scan_scope modules not run (baseline check, malicious files, sensitive information, software compliance)' }),
});

const TaskParams = Type.Object({ ...ProjectIdParams.properties, task_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** HSS image scan tasks: create (CreateManualImageScanTask), list (ListImageScanTask), stop (StopImageScanTask), and openhss's per-image view. */
export const imageScanTaskRoutes =
  (scans: ImageScanService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v5/:project_id/image/image-scan/tasks',
      {
        schema: {
          operationId: 'CreateManualImageScanTask',
          summary: 'Scan registry, local or CI/CD images (is_all with query_info, or image_info)',
          description:
            'Answers 200 with an empty body, as HSS does; openhss also names the new task in the X-Openhss-Task-Id header. Follow it with GET .../image/tasks?type=image_scan. is_all with nothing to select answers 200 and creates no task (no header).',
          tags: ['Container images'],
          params: ProjectIdParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery, global_image_type: Type.Optional(StringEnum(GLOBAL_IMAGE_TYPES)) }),
          headers: RegionHeader,
          body: CreateBody,
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const b = request.body;
        const taskId = await scans.create(request.params.project_id, {
          imageType: sourceOf(request.query.global_image_type),
          enterpriseProjectIds: scope,
          ...(b.scan_scope !== undefined ? { scanScope: b.scan_scope } : {}),
          ...(b.rate_limit !== undefined ? { rateLimit: b.rate_limit } : {}),
          ...(b.is_all !== undefined ? { isAll: b.is_all } : {}),
          ...(b.query_info ? { queryInfo: b.query_info } : {}),
          ...(b.image_info ? { imageInfo: b.image_info } : {}),
          ...(b.task_name ? { taskName: b.task_name } : {}),
        });
        if (taskId !== null) reply.header('X-Openhss-Task-Id', taskId);
        return reply.code(200).send(undefined as never);
      },
    );

    app.get(
      '/v5/:project_id/image/tasks',
      {
        schema: {
          operationId: 'ListImageScanTask',
          summary: 'List image scan tasks, newest first',
          description: 'type=image_sync lists nothing: registry syncs run as jobs, shown on each registry (see the README).',
          tags: ['Container images'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            type: StringEnum(['image_scan', 'image_sync'] as const),
            global_image_type: Type.Optional(StringEnum(GLOBAL_IMAGE_TYPES)),
            task_type: Type.Optional(StringEnum(['cycle', 'manual', 'autoSync', 'manualSync'] as const)),
            task_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            task_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            task_status: Type.Optional(StringEnum(TASK_STATUSES)),
            create_time: Millis('Tasks created at or after this time, epoch ms'),
            end_time: Millis('Tasks created at or before this time, epoch ms'),
          }),
          headers: RegionHeader,
          response: { 200: ListOf(TaskInfo), ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        if (q.type === 'image_sync' || q.task_type === 'autoSync' || q.task_type === 'manualSync') return { total_num: 0, data_list: [] };
        const { total, views } = await scans.list(
          {
            projectId: request.params.project_id,
            enterpriseProjectIds: scope,
            ...(q.global_image_type ? { imageType: sourceOf(q.global_image_type) } : {}),
            ...(q.task_type ? { taskType: q.task_type } : {}),
            ...(q.task_name ? { taskName: q.task_name } : {}),
            ...(q.task_id ? { taskId: q.task_id } : {}),
            ...(q.task_status ? { status: q.task_status } : {}),
            ...(q.create_time !== undefined ? { createdFrom: q.create_time } : {}),
            ...(q.end_time !== undefined ? { createdTo: q.end_time } : {}),
          },
          pageOf(q),
        );
        return {
          total_num: total,
          data_list: views.map(({ task, counts, progress, remainingMinutes, failedImages, notSupported }) => ({
            task_id: task.id,
            task_name: task.task_name,
            begin_time: Number(task.begin_time),
            end_time: task.end_time === null ? 0 : Number(task.end_time),
            remain_min: remainingMinutes,
            task_type: task.task_type,
            image_type: task.image_type,
            task_status: progress,
            scan_scope: task.scan_scope,
            rate_limit: task.rate_limit,
            is_all: task.is_all === 1,
            failed_num: counts.failed,
            success_num: counts.success,
            total_num: counts.total,
            risky_num: counts.risky,
            failed_reason: [task.failed_reason, notSupportedText(task.scan_scope)].filter(Boolean).join('; '),
            not_supported: notSupported,
            failed_images: failedImages.map((f) => ({
              id: Number(f.id),
              registry_id: f.registry_id ?? '',
              registry_name: f.registry_name,
              image_name: f.image_name,
              image_version: f.image_version,
              namespace: f.namespace,
              registry_type: f.registry_type,
              failed_reason: f.failed_reason,
            })),
          })),
        };
      },
    );

    app.put(
      '/v5/:project_id/image/image-scan/tasks/:task_id/stop',
      {
        schema: {
          operationId: 'StopImageScanTask',
          summary: 'Stop an image scan task; images not yet scanned end as image_scan_stop',
          tags: ['Container images'],
          params: TaskParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        await scans.stop(request.params.project_id, request.params.task_id);
        return reply.code(200).send(undefined as never);
      },
    );

    app.get(
      '/v5/:project_id/image/image-scan/tasks/:task_id/images',
      {
        schema: {
          operationId: 'OpenhssListImageScanTaskImages',
          summary: 'openhss: each image of an image scan task and its scan status',
          tags: ['Container images'],
          params: TaskParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: {
            200: ListOf(
              Type.Object({
                id: Type.Integer(),
                image_digest: Type.String(),
                scan_status: StringEnum(IMAGE_SCAN_STATUSES),
                failed_reason: Type.String(),
                started_at: Type.Integer(),
                finished_at: Type.Integer(),
                not_supported: Type.Array(Type.String(), { description: 'The scan_scope modules not run on this image' }),
              }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const { items, notSupported } = await scans.items(request.params.project_id, request.params.task_id);
        return {
          total_num: items.length,
          data_list: items.map((i) => ({
            id: Number(i.image_asset_id),
            image_digest: i.image_digest ?? '',
            scan_status: i.scan_status as (typeof IMAGE_SCAN_STATUSES)[number],
            failed_reason: i.failed_reason,
            started_at: i.started_at === null ? 0 : Number(i.started_at),
            finished_at: i.finished_at === null ? 0 : Number(i.finished_at),
            not_supported: notSupported,
          })),
        };
      },
    );
  };
