import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { out, iso, oneOf } from '../output.js';
import { CLUSTER_SCAN_TYPES, COMMON_TASK_TYPES, type ClusterScanType, type CommonTaskType } from '../../domain/common-task.js';
import { invalidParameter } from '../../domain/errors.js';
import { createJobQueue } from '../../jobs/create-queue.js';
import { createLogger } from '../../observability/logger.js';
import { queueOptions } from '../../runtime/server.js';
import { wireStarters } from '../../runtime/starters.js';
import { inProject, withProject, type ProjectOptions } from '../with-runtime.js';



/** `openhss cluster …` and `openhss jobs list`: clusters, cluster scan jobs and the jobs list, as the operator. */
export function registerJobCommands(program: Command): void {
  const cluster = program.command('cluster').description('Register Kubernetes clusters and scan them (cluster_vul, risk_assessment, benchmark)');

  withProject(cluster.command('add').description('Register a cluster by kubeconfig (sealed at rest; scans are read-only) or by an offline `kubectl get … -o json` snapshot'))
    .requiredOption('--name <name>', 'cluster name')
    .option('--kubeconfig <file>', 'a kubeconfig file')
    .option('--snapshot <file>', 'an offline snapshot: `kubectl get nodes,namespaces,pods,… -A -o json` output')
    .option('--enterprise-project <id>', 'enterprise project', '0')
    .action((opts: ProjectOptions & { name: string; kubeconfig?: string; snapshot?: string; enterpriseProject: string }) =>
      inProject(opts, async ({ services }, projectId) => {
        if (!opts.kubeconfig === !opts.snapshot) throw invalidParameter('--kubeconfig', 'give exactly one of --kubeconfig and --snapshot');
        const registered = await services.clusters.register(projectId, {
          enterpriseProjectId: opts.enterpriseProject,
          name: opts.name,
          ...(opts.kubeconfig ? { kubeconfig: await readFile(opts.kubeconfig, 'utf8') } : {}),
          ...(opts.snapshot ? { snapshot: JSON.parse(await readFile(opts.snapshot, 'utf8')) as unknown } : {}),
        });
        out(opts.json ? JSON.stringify(registered) : `cluster ${registered.name} registered: ${registered.id} (${registered.source})`);
      }),
    );

  withProject(cluster.command('list').description('Registered clusters')).action((opts: ProjectOptions) =>
    inProject(opts, async ({ services }, projectId) => {
      const { total, clusters } = await services.clusters.list(projectId, null, { offset: 0, limit: 1000 });
      if (opts.json) return out(JSON.stringify({ total, clusters }));
      out(`${total} cluster(s)`);
      for (const c of clusters) out(`${c.id}  ${c.name}  ${c.source}  ${iso(Number(c.created_at))}`);
    }),
  );

  withProject(cluster.command('delete <cluster_id>').description('Forget a cluster and its kubeconfig')).action((id: string, opts: ProjectOptions) =>
    inProject(opts, async ({ services }, projectId) => {
      await services.clusters.delete(projectId, id);
      out(opts.json ? JSON.stringify({ deleted: id }) : `cluster ${id} deleted`);
    }),
  );

  withProject(cluster.command('scan').description('Create a cluster scan job; a running `serve`/`worker` carries it out'))
    .option('--type <scan_type>', `scan item (repeatable): ${CLUSTER_SCAN_TYPES.join(', ')}; default all`, (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--cluster <id>', 'a cluster (repeatable); default all', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--name <name>', 'job name')
    .action((opts: ProjectOptions & { type: string[]; cluster: string[]; name?: string }) =>
      inProject(opts, async (runtime, projectId) => {
        const types = (opts.type.length > 0 ? opts.type : [...CLUSTER_SCAN_TYPES]).map((t) => oneOf<ClusterScanType>('--type', t, CLUSTER_SCAN_TYPES));
        const queue = createJobQueue(runtime.database, queueOptions(runtime.config, createLogger('silent')));
        wireStarters(runtime, queue);
        try {
          const taskId = await runtime.services.commonTasks.create(projectId, {
            taskType: 'cluster_scan',
            enterpriseProjectIds: ['0'],
            ...(opts.name ? { taskName: opts.name } : {}),
            clusterScanInfo: { scanTypeList: types, rangeType: opts.cluster.length > 0 ? 'specific_cluster' : 'all_cluster', clusterIdList: opts.cluster },
          });
          out(opts.json ? JSON.stringify({ task_id: taskId }) : `cluster scan job ${taskId} queued`);
        } finally {
          await queue.stop(0);
        }
      }),
    );

  const jobs = program.command('jobs').description('The jobs list: cluster and IaC scan jobs');
  withProject(jobs.command('list').description('Jobs of a type, newest first, with their counts'))
    .option('--type <task_type>', `${COMMON_TASK_TYPES.join(' or ')}`, 'cluster_scan')
    .option('--status <status>', 'ready, running or finished')
    .option('--limit <n>', 'jobs to show', '20')
    .action((opts: ProjectOptions & { type: string; status?: string; limit: string }) =>
      inProject(opts, async ({ services }, projectId) => {
        const taskType = oneOf<CommonTaskType>('--type', opts.type, COMMON_TASK_TYPES);
        const { total, views } = await services.commonTasks.list(
          { projectId, enterpriseProjectIds: null, taskType, ...(opts.status ? { taskStatus: oneOf('--status', opts.status, ['ready', 'running', 'finished'] as const) } : {}) },
          { offset: 0, limit: Math.min(200, Math.max(1, Number(opts.limit) || 20)) },
          'desc',
        );
        if (opts.json) return out(JSON.stringify({ total, jobs: views.map((v) => ({ ...v.task, scan_types: v.scanTypes, counts: v.counts, estimated_minutes: v.estimatedMinutes })) }));
        out(`${total} job(s)`);
        for (const { task, scanTypes, counts } of views) {
          const what = task.task_type === 'cluster_scan' ? scanTypes.join(',') : task.file_type;
          out(`${task.id}  ${task.task_status.padEnd(8)}  ${task.trigger_type.padEnd(8)}  ${iso(Number(task.start_time ?? task.create_time))}  ${what}  ${counts.success} ok / ${counts.failed} failed / ${counts.total}  ${task.task_name}`);
        }
      }),
    );
}
