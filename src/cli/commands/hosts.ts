import type { Command } from 'commander';
import { out, iso, oneOf } from '../output.js';
import { createJobQueue } from '../../jobs/create-queue.js';
import { SCAN_PERIODS, SCAN_RANGE_TYPES, VUL_TYPES, type ScanPeriod, type VulType } from '../../domain/vulnerability.js';
import { queueOptions } from '../../runtime/server.js';
import { createLogger } from '../../observability/logger.js';
import { wireStarters } from '../../runtime/starters.js';
import { inProject, withProject, type ProjectOptions } from '../with-runtime.js';

const collect = (value: string, previous: string[]) => [...previous, value];



/** `openhss hosts`, `scan-task`, `policy` and `agent-token`: host vulnerability management from the command line. */
export function registerHostCommands(program: Command): void {
  const hosts = program.command('hosts').description('Hosts with an enrolled agent');
  withProject(hosts.command('list').description('List hosts, their agent status and last scan'))
    .option('--offset <n>', 'first row', '0')
    .option('--limit <n>', 'rows', '200')
    .action((opts: ProjectOptions & { offset: string; limit: string }) =>
      inProject(opts, async ({ services }, projectId) => {
        const { total, hosts: rows } = await services.hosts.list(projectId, {}, { offset: Number(opts.offset), limit: Number(opts.limit) });
        if (opts.json) return out(JSON.stringify({ total, hosts: rows }, null, 2));
        out(`${total} host(s)`);
        for (const h of rows) out(`${h.id}  ${h.hostName.padEnd(24)} ${h.agentStatus.padEnd(8)} ${h.privateIp.padEnd(16)} ${h.osName}  last scan ${iso(h.lastScanAt)}`);
      }),
    );

  const agentToken = program.command('agent-token').description('One-time agent enrolment tokens');
  withProject(agentToken.command('create').description('Create a token for `openhss agent --token`; printed once'))
    .option('--enterprise-project <id>', 'enterprise project the host joins', '0')
    .option('--ttl-hours <n>', 'lifetime in hours (default: hosts.enrolmentTokenTtlHours)')
    .option('--description <text>', 'note kept with the token', '')
    .action((opts: ProjectOptions & { enterpriseProject: string; ttlHours?: string; description: string }) =>
      inProject(opts, async ({ services }, projectId) => {
        const issued = await services.agents.createEnrolmentToken(projectId, {
          enterpriseProjectId: opts.enterpriseProject,
          description: opts.description,
          ...(opts.ttlHours ? { ttlMs: Number(opts.ttlHours) * 3_600_000 } : {}),
        });
        // The token alone on standard output, so TOKEN=$(openhss agent-token create) captures just it.
        if (!opts.json) process.stderr.write(`one use; expires ${iso(issued.expiresAt)}\n`);
        out(opts.json ? JSON.stringify(issued) : issued.token);
      }),
    );

  const task = program.command('scan-task').description('Vulnerability scan tasks');
  withProject(task.command('create').description('Start a manual scan; a running `openhss serve` or `worker` carries it out'))
    .option('--type <vul_type>', `vul type (repeatable): ${VUL_TYPES.join(', ')}`, collect, [])
    .option('--agent <agent_id>', 'scan only these agents (repeatable); default: all hosts', collect, [])
    .option('--urgent-vul <id>', 'with --type urgent_vul: only these vulnerability ids (repeatable)', collect, [])
    .action((opts: ProjectOptions & { type: string[]; agent: string[]; urgentVul: string[] }) =>
      inProject(opts, async (runtime, projectId) => {
        const vulTypes = (opts.type.length > 0 ? opts.type : ['linux_vul']).map((t) => oneOf<VulType>('--type', t, VUL_TYPES));
        const queue = createJobQueue(runtime.database, queueOptions(runtime.config, createLogger('silent')));
        wireStarters(runtime, queue);
        try {
          const taskId = await runtime.services.vulScans.createTask(projectId, {
            scanType: 'manual',
            vulTypes,
            rangeType: opts.agent.length > 0 ? 'specific_host' : 'all_host',
            ...(opts.agent.length > 0 ? { agentIds: opts.agent } : {}),
            urgentVulIds: opts.urgentVul,
          });
          out(opts.json ? JSON.stringify({ task_id: taskId }) : `task ${taskId} created`);
        } finally {
          await queue.stop(1000);
        }
      }),
    );
  withProject(task.command('list').description('List scan tasks, newest first'))
    .option('--limit <n>', 'rows', '20')
    .action((opts: ProjectOptions & { limit: string }) =>
      inProject(opts, async ({ services }, projectId) => {
        const { total, tasks } = await services.vulScans.list(projectId, {}, { offset: 0, limit: Number(opts.limit) });
        if (opts.json) return out(JSON.stringify({ total, tasks }, null, 2));
        out(`${total} task(s)`);
        for (const t of tasks) {
          out(`${t.id}  ${t.scanType.padEnd(8)} ${t.status.padEnd(8)} started ${iso(t.startTime)}  ok ${t.successHostNum} failed ${t.failedHostNum} scanning ${t.scanningHostNum}  ${t.scanVulTypes.join(',')}`);
        }
      }),
    );
  withProject(task.command('show <task_id>').description("Show a task and each host's outcome")).action((taskId: string, opts: ProjectOptions) =>
    inProject(opts, async ({ services }, projectId) => {
      const t = await services.vulScans.get(projectId, taskId);
      const { hosts: rows } = await services.vulScans.listHosts(projectId, taskId, undefined, { offset: 0, limit: 200 });
      if (opts.json) return out(JSON.stringify({ task: t, hosts: rows }, null, 2));
      out(`${t.id}  ${t.scanType} ${t.status}  ${t.scanVulTypes.join(',')}  started ${iso(t.startTime)} ended ${iso(t.endTime)}  ~${t.estimatedMinutes} min left`);
      for (const h of rows) out(`  ${h.hostName.padEnd(24)} ${h.scanStatus.padEnd(9)} ${h.failedReasons.map((r) => `${r.vul_type}: ${r.failed_reason}`).join('; ')}`);
    }),
  );

  const policy = program.command('policy').description('The vulnerability scan policy');
  withProject(policy.command('show').description('Show the policy and its next scan time')).action((opts: ProjectOptions) =>
    inProject(opts, async ({ services }, projectId) => {
      const p = await services.scanPolicies.show(projectId);
      if (opts.json) return out(JSON.stringify(p, null, 2));
      out(`${p.status} ${p.scanPeriod} ${p.scanRangeType} ${p.scanVulTypes.join(',')}  days [${p.dayPart.join(',')}] at ${p.hourPart}:${String(p.minutePart).padStart(2, '0')} (offset ${p.timezoneOffset} min)`);
      out(`hosts: ${p.totalHostNum}   next scan: ${iso(p.nextScanTime)}`);
    }),
  );
  withProject(policy.command('set').description('Change the policy'))
    .requiredOption('--period <period>', SCAN_PERIODS.join(', '))
    .option('--range <range>', SCAN_RANGE_TYPES.join(', '), 'all_host')
    .option('--host <host_id>', 'with --range specific_host (repeatable)', collect, [])
    .option('--type <vul_type>', 'vul type (repeatable)', collect, [])
    .option('--day <n>', 'weekday 1-7 (one_week) or day 1-31 (one_month), repeatable', collect, [])
    .option('--hour <n>', 'hour 0-23', '0')
    .option('--minute <n>', 'minute 0-59', '0')
    .option('--timezone-offset <minutes>', 'minutes to add to local time for UTC (GMT+8 is -480)', '0')
    .option('--close', 'turn scheduled scans off')
    .action((opts: ProjectOptions & { period: string; range: string; host: string[]; type: string[]; day: string[]; hour: string; minute: string; timezoneOffset: string; close?: boolean }) =>
      inProject(opts, async ({ services }, projectId) => {
        await services.scanPolicies.change(projectId, {
          scanPeriod: oneOf<ScanPeriod>('--period', opts.period, SCAN_PERIODS),
          scanRangeType: oneOf('--range', opts.range, SCAN_RANGE_TYPES),
          status: opts.close ? 'close' : 'open',
          ...(opts.type.length > 0 ? { scanVulTypes: opts.type.map((t) => oneOf<VulType>('--type', t, VUL_TYPES)) } : {}),
          hostIds: opts.host,
          time: { dayPart: opts.day.map(Number), hourPart: Number(opts.hour), minutePart: Number(opts.minute), timezoneOffset: Number(opts.timezoneOffset) },
        });
        const p = await services.scanPolicies.show(projectId);
        out(`policy saved; next scan ${iso(p.nextScanTime)}`);
      }),
    );
}
