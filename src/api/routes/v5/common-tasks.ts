import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CLUSTER_SCAN_TYPES, COMMON_TASK_STATUSES, COMMON_TASK_TYPES, IAC_FILE_TYPES, RESOURCE_SCAN_STATUSES, RESULT_CATEGORIES, TRIGGER_TYPES, type ClusterScanType, type ResourceScanStatus, type CommonTaskType, type IacFileType } from '../../../domain/common-task.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import type { CommonTaskService, CreateTaskRequest, TaskView } from '../../../services/jobs/common-task-service.js';
import type { ResultFilter } from '../../../repositories/common-task-repository.js';
import { EnterpriseProjectQuery, Epoch, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';

const ClusterScanInfoBody = Type.Object({
  scan_type_list: Type.Array(StringEnum(CLUSTER_SCAN_TYPES), { minItems: 1, maxItems: 3 }),
  range_type: StringEnum(['all_cluster', 'specific_cluster'] as const),
  cluster_id_list: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 })),
});
const IacScanInfoBody = Type.Object({
  file_type: StringEnum(IAC_FILE_TYPES),
  file_id_list: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500 }),
});

/** The body of CreateTask, shared with schedules. */
export const TaskScanInfo = {
  task_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  cluster_scan_info: Type.Optional(ClusterScanInfoBody),
  iac_scan_info: Type.Optional(IacScanInfoBody),
};

interface ScanInfoBody {
  cluster_scan_info?: { scan_type_list: ClusterScanType[]; range_type: 'all_cluster' | 'specific_cluster'; cluster_id_list?: string[] };
  iac_scan_info?: { file_type: IacFileType; file_id_list: string[] };
}

/** The request's scan info as the service takes it. */
export function scanInfoOf(b: ScanInfoBody): Pick<CreateTaskRequest, 'clusterScanInfo' | 'iacScanInfo'> {
  return {
    ...(b.cluster_scan_info
      ? { clusterScanInfo: { scanTypeList: b.cluster_scan_info.scan_type_list, rangeType: b.cluster_scan_info.range_type, ...(b.cluster_scan_info.cluster_id_list ? { clusterIdList: b.cluster_scan_info.cluster_id_list } : {}) } }
      : {}),
    ...(b.iac_scan_info ? { iacScanInfo: { fileType: b.iac_scan_info.file_type, fileIdList: b.iac_scan_info.file_id_list } } : {}),
  };
}

const JobItem = Type.Object({
  task_id: Type.String(),
  task_type: StringEnum(COMMON_TASK_TYPES),
  task_name: Type.String(),
  trigger_type: StringEnum(TRIGGER_TYPES),
  task_status: StringEnum(COMMON_TASK_STATUSES),
  start_time: Type.Integer(),
  end_time: Type.Integer(),
  estimated_time: Type.Integer({ description: 'Minutes until the task should end' }),
  cluster_scan_info: Type.Optional(
    Type.Object({ scan_type_list: Type.Array(Type.String()), scanning_cluster_num: Type.Integer(), success_cluster_num: Type.Integer(), failed_cluster_num: Type.Integer() }),
  ),
  iac_scan_info: Type.Optional(Type.Object({ file_type: Type.String(), scan_file_num: Type.Integer(), success_file_num: Type.Integer(), failed_file_num: Type.Integer() })),
});

function jobItem({ task, scanTypes, counts, estimatedMinutes }: TaskView) {
  const base = {
    task_id: task.id,
    task_type: task.task_type as CommonTaskType,
    task_name: task.task_name,
    trigger_type: task.trigger_type as (typeof TRIGGER_TYPES)[number],
    task_status: task.task_status as (typeof COMMON_TASK_STATUSES)[number],
    // A task not started yet shows when it was created.
    start_time: Number(task.start_time ?? task.create_time),
    end_time: task.end_time === null ? 0 : Number(task.end_time),
    estimated_time: estimatedMinutes,
  };
  if (task.task_type === 'cluster_scan') {
    return { ...base, cluster_scan_info: { scan_type_list: scanTypes, scanning_cluster_num: counts.waiting + counts.scanning, success_cluster_num: counts.success, failed_cluster_num: counts.failed } };
  }
  return { ...base, iac_scan_info: { file_type: task.file_type ?? '', scan_file_num: counts.total, success_file_num: counts.success, failed_file_num: counts.failed } };
}

/** Cluster providers HSS names; openhss records none. */
const CLUSTER_TYPES = ['cce', 'ali', 'tencent', 'azure', 'aws', 'self_built_hw', 'self_built_idc'] as const;

/** A row of ListTaskResources as HSS answers it for cluster_scan tasks (no cluster_type or cluster_version: openhss records neither). */
const ClusterScanData = Type.Object({
  cluster_name: Type.String(),
  cluster_id: Type.String(),
  scan_status: StringEnum(['scanning', 'success', 'failed'] as const),
  start_time: Type.Integer(),
  end_time: Type.Integer(),
  scan_detail_list: Type.Array(Type.Object({ scan_type: Type.String(), status: StringEnum(['scanning', 'success', 'failed'] as const), failed_reason: Type.String() })),
});

/** A row of ListTaskResources as HSS answers it for iac_scan tasks (no chart_name: openhss keeps no charts). */
const IacScanData = Type.Object({
  file_name: Type.String(),
  file_type: Type.String(),
  file_id: Type.String(),
  file_size: Type.Optional(Type.Integer({ description: 'Bytes; absent once the file is deleted' })),
  scan_status: StringEnum(['scanning', 'success', 'failed'] as const),
  failed_reason: Type.String(),
  start_time: Type.Integer(),
  end_time: Type.Integer(),
});

const TaskParams = Type.Object({ ...ProjectIdParams.properties, task_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Filters of a job's results and of their groups. */
const ResultQuery = {
  resource_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  category: Type.Optional(StringEnum(RESULT_CATEGORIES)),
  status: Type.Optional(StringEnum(['failed', 'passed', 'not_evaluated'] as const)),
  severity: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  check_id: Type.Optional(Type.String({ maxLength: 128, description: 'openhss: the rule id or vulnerability id' })),
  resource_kind: Type.Optional(Type.String({ maxLength: 64, description: 'openhss: with resource_namespace and resource_name, the Kubernetes object ("" for a Dockerfile or a cluster-wide result)' })),
  resource_namespace: Type.Optional(Type.String({ maxLength: 256 })),
  resource_name: Type.Optional(Type.String({ maxLength: 512 })),
};

interface ResultFilterQuery {
  resource_id?: string;
  category?: string;
  status?: string;
  severity?: string;
  check_id?: string;
  resource_kind?: string;
  resource_namespace?: string;
  resource_name?: string;
}

function resultFilterOf(q: ResultFilterQuery): ResultFilter {
  const objectGiven = q.resource_kind !== undefined || q.resource_namespace !== undefined || q.resource_name !== undefined;
  return {
    ...(q.resource_id ? { resourceId: q.resource_id } : {}),
    ...(q.category ? { category: q.category } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.severity ? { severity: q.severity } : {}),
    ...(q.check_id !== undefined ? { checkId: q.check_id } : {}),
    ...(objectGiven ? { object: { kind: q.resource_kind ?? '', namespace: q.resource_namespace ?? '', name: q.resource_name ?? '' } } : {}),
  };
}

const GroupCounts = {
  total_num: Type.Integer({ description: 'Results in the group' }),
  failed_num: Type.Integer({ description: 'Failed and not suppressed' }),
  passed_num: Type.Integer(),
  not_evaluated_num: Type.Integer(),
  suppressed_num: Type.Integer(),
  failed_by_severity: Type.Object({ critical: Type.Integer(), high: Type.Integer(), medium: Type.Integer(), low: Type.Integer() }),
};

/** HSS's common task framework: the jobs list (seed 2), CreateTask, ListTaskResources, RetryTask, task statistics, and openhss's results view. */
export const commonTaskRoutes =
  (tasks: CommonTaskService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v5/:project_id/common/tasks/batch-query',
      {
        schema: {
          operationId: 'ListJobs',
          summary: 'List cluster or IaC scan jobs',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery, ...PagingQuery }),
          headers: RegionHeader,
          body: Type.Object({
            task_type: StringEnum(COMMON_TASK_TYPES),
            task_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            task_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            start_create_time: Type.Optional(Epoch('Tasks created at or after this time, epoch ms')),
            end_create_time: Type.Optional(Epoch('Tasks created at or before this time, epoch ms')),
            trigger_type: Type.Optional(StringEnum(TRIGGER_TYPES)),
            task_status: Type.Optional(StringEnum(COMMON_TASK_STATUSES)),
            sort_key: Type.Optional(StringEnum(['start_time'] as const)),
            sort_dir: Type.Optional(StringEnum(['asc', 'desc'] as const)),
            cluster_scan_info: Type.Optional(Type.Object({ scan_type_list: Type.Optional(Type.Array(StringEnum(CLUSTER_SCAN_TYPES), { maxItems: 3 })) })),
            iac_scan_info: Type.Optional(Type.Object({ file_type: Type.Optional(StringEnum(IAC_FILE_TYPES)) })),
          }),
          response: { 200: ListOf(JobItem), ...standardErrors },
        },
      },
      async (request) => {
        const b = request.body;
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const { total, views } = await tasks.list(
          {
            projectId: request.params.project_id,
            enterpriseProjectIds: scope,
            taskType: b.task_type,
            ...(b.task_id ? { taskId: b.task_id } : {}),
            ...(b.task_name ? { taskName: b.task_name } : {}),
            ...(b.start_create_time !== undefined ? { createdFrom: b.start_create_time } : {}),
            ...(b.end_create_time !== undefined ? { createdTo: b.end_create_time } : {}),
            ...(b.trigger_type ? { triggerType: b.trigger_type } : {}),
            ...(b.task_status ? { taskStatus: b.task_status } : {}),
            ...(b.cluster_scan_info?.scan_type_list ? { scanTypes: b.cluster_scan_info.scan_type_list } : {}),
            ...(b.iac_scan_info?.file_type ? { fileType: b.iac_scan_info.file_type } : {}),
          },
          pageOf(request.query),
          b.sort_dir ?? 'desc',
        );
        return { total_num: total, data_list: views.map(jobItem) };
      },
    );

    app.post(
      '/v5/:project_id/common/task',
      {
        schema: {
          operationId: 'CreateTask',
          summary: 'Create a cluster or IaC scan job; it runs in the queue',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({ task_type: StringEnum(COMMON_TASK_TYPES), ...TaskScanInfo }),
          response: { 200: Type.Object({ task_id: Type.String() }), ...standardErrors },
        },
      },
      async (request) => {
        const b = request.body;
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const taskId = await tasks.create(request.params.project_id, { taskType: b.task_type, enterpriseProjectIds: scope, ...(b.task_name ? { taskName: b.task_name } : {}), ...scanInfoOf(b) });
        return { task_id: taskId! };
      },
    );

    app.post(
      '/v5/:project_id/common/tasks/:task_id/resources/batch-query',
      {
        schema: {
          operationId: 'ListTaskResources',
          summary: 'Each cluster or file of a job, with its scan status, times and failure reason',
          description:
            "The body is the SDK's ListTaskResourcesRequestBody: `task_type` (the task's own) and the filters of that type. Names match as case-insensitive substrings, `cluster_id` exactly; `scan_status: scanning` also matches resources still waiting. openhss records no cluster provider or Helm chart, so `cluster_type` and `chart_name` match nothing. Rows are in `cluster_scan_data_list` or `iac_scan_data_list` as HSS answers, and in openhss's `data_list`.",
          tags: ['Jobs'],
          params: TaskParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery, ...PagingQuery }),
          headers: RegionHeader,
          body: Type.Object({
            task_type: StringEnum(COMMON_TASK_TYPES, { description: "The task's type; another type is 400" }),
            cluster_scan_info: Type.Optional(
              Type.Object({
                scan_status: Type.Optional(StringEnum(RESOURCE_SCAN_STATUSES, { description: 'scanning | success | failed; openhss adds waiting (scanning matches waiting too)' })),
                cluster_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
                cluster_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
                cluster_type: Type.Optional(StringEnum(CLUSTER_TYPES, { description: 'openhss records no cluster provider: matches no cluster' })),
              }),
            ),
            iac_scan_info: Type.Optional(
              Type.Object({
                scan_status: Type.Optional(StringEnum(RESOURCE_SCAN_STATUSES, { description: 'scanning | success | failed; openhss adds waiting (scanning matches waiting too)' })),
                file_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
                chart_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'openhss keeps no Helm charts: matches no file' })),
              }),
            ),
          }),
          response: {
            200: Type.Object({
              total_num: Type.Integer(),
              cluster_scan_data_list: Type.Optional(Type.Array(ClusterScanData, { description: 'cluster_scan tasks' })),
              iac_scan_data_list: Type.Optional(Type.Array(IacScanData, { description: 'iac_scan tasks' })),
              data_list: Type.Array(
                Type.Object({
                  resource_id: Type.String(),
                  resource_name: Type.String(),
                  scan_status: StringEnum(RESOURCE_SCAN_STATUSES),
                  start_time: Type.Integer(),
                  end_time: Type.Integer(),
                  failed_reason: Type.String(),
                  summary: Type.Record(Type.String(), Type.Record(Type.String(), Type.Integer()), { description: 'openhss: results by category and severity (or passed, not_evaluated, suppressed)' }),
                }),
                { description: 'openhss: every row, both task types' },
              ),
            }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const b = request.body;
        const c = b.cluster_scan_info;
        const i = b.iac_scan_info;
        const { view, total, resources } = await tasks.resources(
          request.params.project_id,
          request.params.task_id,
          {
            taskType: b.task_type,
            ...(c
              ? {
                  clusterScanInfo: {
                    ...(c.scan_status ? { scanStatus: c.scan_status } : {}),
                    ...(c.cluster_name ? { clusterName: c.cluster_name } : {}),
                    ...(c.cluster_id ? { clusterId: c.cluster_id } : {}),
                    ...(c.cluster_type ? { clusterType: c.cluster_type } : {}),
                  },
                }
              : {}),
            ...(i ? { iacScanInfo: { ...(i.scan_status ? { scanStatus: i.scan_status } : {}), ...(i.file_name ? { fileName: i.file_name } : {}), ...(i.chart_name ? { chartName: i.chart_name } : {}) } } : {}),
          },
          pageOf(request.query),
        );
        const rows = resources.map((r) => ({
          resource_id: r.resource_id,
          resource_name: r.resource_name,
          scan_status: r.scan_status as ResourceScanStatus,
          start_time: r.started_at === null ? 0 : Number(r.started_at),
          end_time: r.finished_at === null ? 0 : Number(r.finished_at),
          failed_reason: r.failed_reason,
          summary: JSON.parse(r.summary) as Record<string, Record<string, number>>,
        }));
        // HSS has no waiting state: a resource not ended yet is scanning.
        const hssStatus = (s: ResourceScanStatus) => (s === 'waiting' ? 'scanning' : s);
        if (view.task.task_type === 'cluster_scan') {
          const cluster_scan_data_list = rows.map((r) => ({
            cluster_name: r.resource_name,
            cluster_id: r.resource_id,
            scan_status: hssStatus(r.scan_status),
            start_time: r.start_time,
            end_time: r.end_time,
            // A cluster's scan items run together, so each has the cluster's outcome.
            scan_detail_list: view.scanTypes.map((scan_type) => ({ scan_type, status: hssStatus(r.scan_status), failed_reason: r.failed_reason })),
          }));
          return { total_num: total, cluster_scan_data_list, data_list: rows };
        }
        const iac_scan_data_list = resources.map((r, n) => ({
          file_name: r.resource_name,
          file_type: view.task.file_type ?? '',
          file_id: r.resource_id,
          ...(r.file_size === null ? {} : { file_size: r.file_size }),
          scan_status: hssStatus(rows[n]!.scan_status),
          failed_reason: r.failed_reason,
          start_time: rows[n]!.start_time,
          end_time: rows[n]!.end_time,
        }));
        return { total_num: total, iac_scan_data_list, data_list: rows };
      },
    );

    app.put(
      '/v5/:project_id/common/tasks/:task_id/retry',
      {
        schema: {
          operationId: 'RetryTask',
          summary: 'Scan the failed clusters of a finished cluster job again',
          description:
            "The body is the SDK's RetryTaskRequestBody: `cluster_scan_info.range_type` all_failed_cluster (every failed cluster; also what a request without a body does) or specific_cluster with `cluster_info_list`, each a failed cluster of the task. A cluster's scan items run and fail together, so a named cluster is scanned again with every item of the task; `scan_type_list` must name items of the task.",
          tags: ['Jobs'],
          params: TaskParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({
            task_type: StringEnum(['cluster_scan'] as const),
            cluster_scan_info: Type.Optional(
              Type.Object({
                range_type: StringEnum(['all_failed_cluster', 'specific_cluster'] as const),
                cluster_info_list: Type.Optional(
                  Type.Array(
                    Type.Object({
                      cluster_id: Type.String({ minLength: 1, maxLength: 64 }),
                      scan_type_list: Type.Optional(Type.Array(StringEnum(CLUSTER_SCAN_TYPES), { minItems: 1, maxItems: 3 })),
                    }),
                    { minItems: 1, maxItems: 200 },
                  ),
                ),
              }),
            ),
          }),
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
        // A request without a body retries every failed cluster, as before the SDK's body was read.
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = { task_type: 'cluster_scan' };
        },
      },
      async (request, reply) => {
        resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const info = request.body.cluster_scan_info;
        await tasks.retry(
          request.params.project_id,
          request.params.task_id,
          info
            ? {
                rangeType: info.range_type,
                ...(info.cluster_info_list ? { clusterInfoList: info.cluster_info_list.map((x) => ({ clusterId: x.cluster_id, ...(x.scan_type_list ? { scanTypeList: x.scan_type_list } : {}) })) } : {}),
              }
            : undefined,
        );
        return reply.code(200).send(undefined as never);
      },
    );

    app.get(
      '/v5/:project_id/common/task-statistics',
      {
        schema: {
          operationId: 'ShowTaskStatistics',
          summary: 'How many jobs of a type exist and run, and when the last one started',
          tags: ['Jobs'],
          params: ProjectIdParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery, task_type: StringEnum(COMMON_TASK_TYPES) }),
          headers: RegionHeader,
          response: { 200: Type.Object({ total_num: Type.Integer(), running_num: Type.Integer(), last_task_start_time: Type.Integer() }), ...standardErrors },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const s = await tasks.statistics(request.params.project_id, request.query.task_type, scope);
        return { total_num: s.total, running_num: s.running, last_task_start_time: s.lastStart ?? 0 };
      },
    );

    app.get(
      '/v5/:project_id/common/tasks/:task_id/results',
      {
        schema: {
          operationId: 'OpenhssListTaskResults',
          summary: "openhss: a job's findings: rule results (IaC, risk, benchmark), cluster vulnerabilities and workload images",
          tags: ['Jobs'],
          params: TaskParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            ...ResultQuery,
          }),
          headers: RegionHeader,
          response: {
            200: ListOf(
              Type.Object({
                resource_id: Type.String(),
                category: StringEnum(RESULT_CATEGORIES),
                check_id: Type.String(),
                severity: Type.String(),
                status: Type.String(),
                title: Type.String(),
                message: Type.String(),
                file: Type.String(),
                start_line: Type.Integer(),
                end_line: Type.Integer(),
                resource_kind: Type.String(),
                resource_namespace: Type.String(),
                resource_name: Type.String(),
                suppressed: Type.Boolean(),
                suppress_reason: Type.String(),
                instance_num: Type.Integer({
                  description:
                    'openhss: how many places the result stands for. A risk_assessment finding is one per object and rule; its detail lists them (instances: [{message, container, container_type, path}]). 1 for other results',
                }),
                detail: Type.Record(Type.String(), Type.Unknown()),
              }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const { total, results } = await tasks.results(request.params.project_id, request.params.task_id, resultFilterOf(q), pageOf(q));
        return {
          total_num: total,
          data_list: results.map((r) => {
            const detail = JSON.parse(r.detail) as Record<string, unknown>;
            return {
            resource_id: r.resource_id,
            category: r.category as (typeof RESULT_CATEGORIES)[number],
            check_id: r.check_id,
            severity: r.severity,
            status: r.status,
            title: r.title,
            message: r.message,
            file: r.file,
            start_line: r.start_line ?? 0,
            end_line: r.end_line ?? 0,
            resource_kind: r.resource_kind,
            resource_namespace: r.resource_namespace,
            resource_name: r.resource_name,
            suppressed: r.suppressed === 1,
            suppress_reason: r.suppress_reason,
            instance_num: typeof detail.instance_num === 'number' ? detail.instance_num : 1,
            detail,
            };
          }),
        };
      },
    );
    app.get(
      '/v5/:project_id/common/tasks/:task_id/result-groups',
      {
        schema: {
          operationId: 'OpenhssListTaskResultGroups',
          summary: "openhss: a job's findings counted by rule (group_by=rule) or by object (group_by=resource: the scanned cluster or file and the Kubernetes object in it), most failures first",
          description:
            'The filters are those of OpenhssListTaskResults. A group counts its results: failed (not suppressed) in all and by severity, passed, not evaluated and suppressed. A rule group says how many objects it applies to; an object group how many rules. List a group\'s results with OpenhssListTaskResults and check_id, or resource_id with resource_kind, resource_namespace and resource_name.',
          tags: ['Jobs'],
          params: TaskParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            group_by: StringEnum(['rule', 'resource'] as const),
            ...ResultQuery,
          }),
          headers: RegionHeader,
          response: {
            200: Type.Object({
              total_num: Type.Integer({ description: 'Groups' }),
              rule_list: Type.Optional(
                Type.Array(
                  Type.Object({ check_id: Type.String(), category: StringEnum(RESULT_CATEGORIES), severity: Type.String(), title: Type.String(), object_num: Type.Integer({ description: 'Objects the rule has results for' }), ...GroupCounts }),
                  { description: 'group_by=rule' },
                ),
              ),
              resource_list: Type.Optional(
                Type.Array(
                  Type.Object({
                    resource_id: Type.String({ description: 'The scanned cluster or file' }),
                    resource_name: Type.String({ description: "The cluster's or file's name" }),
                    object_kind: Type.String(),
                    object_namespace: Type.String(),
                    object_name: Type.String(),
                    file: Type.String(),
                    rule_num: Type.Integer({ description: 'Rules and vulnerabilities with results for the object' }),
                    ...GroupCounts,
                  }),
                  { description: 'group_by=resource' },
                ),
              ),
            }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const { total, groups } = await tasks.resultGroups(request.params.project_id, request.params.task_id, q.group_by, resultFilterOf(q), pageOf(q));
        const counts = (g: (typeof groups)[number]) => ({
          total_num: g.total,
          failed_num: g.failed,
          passed_num: g.passed,
          not_evaluated_num: g.notEvaluated,
          suppressed_num: g.suppressed,
          failed_by_severity: g.failedBySeverity,
        });
        if (q.group_by === 'rule') {
          return {
            total_num: total,
            rule_list: groups.flatMap((g) =>
              g.kind === 'rule' ? [{ check_id: g.checkId, category: g.category as (typeof RESULT_CATEGORIES)[number], severity: g.severity, title: g.title, object_num: g.objects, ...counts(g) }] : [],
            ),
          };
        }
        return {
          total_num: total,
          resource_list: groups.flatMap((g) =>
            g.kind === 'resource'
              ? [{ resource_id: g.resourceId, resource_name: g.resourceName, object_kind: g.object.kind, object_namespace: g.object.namespace, object_name: g.object.name, file: g.file, rule_num: g.rules, ...counts(g) }]
              : [],
          ),
        };
      },
    );
  };
