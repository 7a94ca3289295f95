import { DomainError, invalidParameter, notFound } from '../domain/errors.js';
import type { Host } from '../domain/host.js';
import { newHexId } from '../domain/ids.js';
import type { VulType } from '../domain/vulnerability.js';
import { SUPPORTED_VUL_TYPES, type FailedReason, type ScanTaskType, type VulScanTask } from '../domain/vul-scan-task.js';
import type { HostRepository } from '../repositories/host-repository.js';
import type { HostOutcome, NewTaskHost, TaskFilter, TaskHostRow, VulScanTaskRepository } from '../repositories/vul-scan-task-repository.js';
import type { AgentService } from './agent-service.js';
import { MatchContext, type HostVulMatcher } from './host-vul-matcher.js';

export interface ScanSettings {
  offlineAfterMs: number;
  inventoryMaxAgeMs: number;
  inventoryTimeoutMs: number;
  /** Hosts per shard: a task's hosts, ordered by id, are split into shards of this many, each a job of its own. */
  shardSize: number;
}

export interface ScanRequest {
  scanType: ScanTaskType;
  vulTypes: VulType[];
  rangeType: 'all_host' | 'specific_host';
  /** specific_host of a manual scan: hosts named by agent id (as CreateVulnerabilityScanTask does). */
  agentIds?: string[];
  /** specific_host of a scheduled scan: hosts named by host id (as the policy does). */
  hostIds?: string[];
  urgentVulIds?: string[];
  /** Only hosts of these enterprise projects (null: all). */
  enterpriseProjectIds?: string[] | null;
  scheduleSlot?: number;
}

export interface TaskView extends VulScanTask {
  /** Minutes until the task should finish, from measured throughput; 0 when finished. */
  estimatedMinutes: number;
}

/** Queues a task for running; the job queue in production, a direct call in tests. */
export type TaskStarter = (taskId: string) => Promise<void>;
/** Queues one shard of a task (at most once per task and shard, however often it is asked). */
export type ShardStarter = (taskId: string, shard: number) => Promise<void>;

/** Tasks whose idle match contexts a process keeps for its next shards (the most recent ones). */
const CONTEXT_TASKS = 4;
/** Until a project has measured throughput, assume a host takes this long. */
const DEFAULT_MS_PER_HOST = 2000;
const MATCH_BATCH = 2000;

/**
 * Vulnerability scan tasks (HSS CreateVulnerabilityScanTask, ListVulScanTask,
 * ListVulScanTaskHost): which hosts a scan covers, asking their agents for
 * fresh inventories, matching them, and each host's outcome.
 */
export class VulScanService {
  private starter: TaskStarter | undefined;
  private shardStarter: ShardStarter | undefined;
  /**
   * When this process began watching agents. Silence is only held against an
   * agent for time a server could hear it: after a restart (or an outage of
   * every server) agents get one full offline window to reconnect before a
   * scan fails their host, whatever their last heartbeat before the outage,
   * and the wait for an inventory restarts too (an agent cannot upload to a
   * server that is down), and so does the task's deadline: a process that
   * stays up still ends every task within one deadline, so nothing waits
   * forever.
   */
  private readonly watchingSince: number;
  /**
   * Match contexts of this process's recent shards, by task, not in use: a
   * shard takes one for itself (never shared with a shard running at the
   * same time) and gives it back only once its writes are committed, so the
   * next shard of the task here reuses what was already matched, as one
   * process running the whole task would.
   */
  private readonly idleContexts = new Map<string, MatchContext[]>();

  constructor(
    private readonly tasks: VulScanTaskRepository,
    private readonly hosts: HostRepository,
    private readonly agents: AgentService,
    private readonly matcher: HostVulMatcher,
    private readonly settings: ScanSettings,
    private readonly now: () => number,
  ) {
    this.watchingSince = now();
  }

  /** Wires how created tasks get run (the job queue). */
  useStarter(starter: TaskStarter, shardStarter?: ShardStarter): void {
    this.starter = starter;
    this.shardStarter = shardStarter;
  }

  /**
   * Creates a task over the hosts the request names; returns null for a
   * scheduled slot that already has its task (another scheduler won).
   */
  async createTask(projectId: string, request: ScanRequest): Promise<string | null> {
    const hosts = await this.targetHosts(projectId, request);
    const now = this.now();
    const vulTypes = [...new Set(request.vulTypes)];
    const unsupported = unsupportedReasons(vulTypes);
    const scans = vulTypes.some((t) => SUPPORTED_VUL_TYPES.includes(t));
    const taskHosts: NewTaskHost[] = hosts.map((h) =>
      scans ? { hostId: h.id, scanStatus: 'scanning', failedReasons: unsupported } : { hostId: h.id, scanStatus: 'failed', failedReasons: unsupported },
    );
    const scanning = taskHosts.filter((h) => h.scanStatus === 'scanning').length;
    const task: VulScanTask = {
      id: newHexId(),
      projectId,
      scanType: request.scanType,
      scanVulTypes: vulTypes,
      urgentVulIds: [...new Set(request.urgentVulIds ?? [])],
      status: scanning > 0 ? 'running' : 'finished',
      startTime: now,
      endTime: scanning > 0 ? null : now,
      hostNum: hosts.length,
      scanningHostNum: scanning,
      successHostNum: 0,
      failedHostNum: hosts.length - scanning,
      scheduleSlot: request.scheduleSlot ?? null,
      deadline: now + this.settings.inventoryTimeoutMs * 2,
    };
    if (!(await this.tasks.insert(task, taskHosts))) return null;
    if (scanning > 0) await this.starter?.(task.id);
    return task.id;
  }

  async get(projectId: string, taskId: string): Promise<TaskView> {
    const task = await this.tasks.find(projectId, taskId);
    if (!task) throw notFound(`Requested resource not found: no vulnerability scan task ${taskId}`);
    return this.withEstimate(task, await this.tasks.msPerHost(projectId));
  }

  async list(projectId: string, filter: TaskFilter, page: { offset: number; limit: number }): Promise<{ total: number; tasks: TaskView[] }> {
    const { total, tasks } = await this.tasks.list(projectId, filter, page);
    const msPerHost = tasks.some((t) => t.status === 'running') ? await this.tasks.msPerHost(projectId) : undefined;
    return { total, tasks: tasks.map((t) => this.withEstimate(t, msPerHost)) };
  }

  async listHosts(projectId: string, taskId: string, scanStatus: TaskHostRow['scanStatus'] | undefined, page: { offset: number; limit: number }) {
    await this.get(projectId, taskId);
    return this.tasks.listHosts(taskId, scanStatus, page);
  }

  /**
   * Runs the whole task here, shard after shard (tests, and a process
   * without a queue). Safe to run again after a crash: only hosts still
   * scanning are looked at.
   */
  async runTask(taskId: string): Promise<void> {
    const task = await this.tasks.findById(taskId);
    if (!task || task.status === 'finished') return;
    const context = new MatchContext();
    for (let shard = 0; shard < this.shardCount(task); shard++) await this.shardWith(task, shard, context);
    await this.tasks.finishIfDone(taskId, this.now());
  }

  /**
   * The task's job: queues one job per shard of its hosts, for any worker
   * to take. Asking again (a retried job) queues nothing twice. Without a
   * shard starter, runs the task here.
   */
  async planShards(taskId: string): Promise<number> {
    const task = await this.tasks.findById(taskId);
    if (!task || task.status === 'finished') return 0;
    if (!this.shardStarter) {
      await this.runTask(taskId);
      return 0;
    }
    const shards = this.shardCount(task);
    for (let shard = 0; shard < shards; shard++) await this.shardStarter(taskId, shard);
    return shards;
  }

  /**
   * One shard (a job): of its hosts still scanning and not waiting for an
   * agent, offline agents fail at once, hosts with a fresh stored inventory
   * are matched now, the others are asked for one (the monitor picks their
   * answers up). Safe to run again, in any process, after a crash: a host
   * already decided is never counted again. True when the task is finished.
   */
  async runShard(taskId: string, shard: number): Promise<boolean> {
    const task = await this.tasks.findById(taskId);
    if (!task || task.status === 'finished') return false;
    const context = this.idleContexts.get(taskId)?.pop() ?? new MatchContext();
    // Given back only after a shard that succeeded: a failed one's context may hold writes that never committed.
    const finished = await this.shardWith(task, shard, context);
    if (!finished) this.giveBack(taskId, context);
    else this.idleContexts.delete(taskId);
    return finished;
  }

  private async shardWith(task: VulScanTask, shard: number, context: MatchContext): Promise<boolean> {
    const taskId = task.id;
    const pending = await this.shardPending(task, shard);
    const hosts = await this.hosts.findMany(task.projectId, { hostIds: pending });
    const now = this.now();
    const offline: HostOutcome[] = [];
    const ready: string[] = [];
    for (const host of hosts) {
      // Offline as of the task's start, as when one job looked at every host at once: a shard that
      // runs later (a long queue, a retry) does not fail hosts whose agents went quiet meanwhile.
      if (task.startTime - host.lastSeenAt > this.settings.offlineAfterMs) {
        offline.push({ hostId: host.id, status: 'failed', failedReasons: reasonsFor(task, `agent offline: last seen ${new Date(host.lastSeenAt).toISOString()}`) });
      } else if (host.inventoryAt !== null && host.inventoryAt >= task.startTime - this.settings.inventoryMaxAgeMs) {
        ready.push(host.id);
      } else {
        await this.tasks.setCommand(taskId, host.id, await this.agents.issueCommand(host.id, 'collect_inventory'));
      }
    }
    // Hosts removed since the task began have nothing to scan.
    const found = new Set(hosts.map((h) => h.id));
    offline.push(...pending.filter((id) => !found.has(id)).map((hostId): HostOutcome => ({ hostId, status: 'failed', failedReasons: reasonsFor(task, 'the host no longer exists') })));
    await this.tasks.finishHosts(taskId, offline, now);
    await this.matchAndFinish(task, ready, context);
    // Recording the last host finishes the task; so does this, when the shard had nothing left to record.
    await this.tasks.finishIfDone(taskId, this.now());
    return (await this.tasks.findById(taskId))?.status === 'finished';
  }

  /**
   * A shard whose every try failed (its workers died or it threw): its hosts
   * still scanning and not waiting for an agent fail with the reason, so the
   * task ends instead of waiting for its deadline.
   */
  async giveUpShard(taskId: string, shard: number, reason: string): Promise<void> {
    const task = await this.tasks.findById(taskId);
    if (!task || task.status === 'finished') return;
    const pending = await this.shardPending(task, shard);
    await this.tasks.finishHosts(taskId, pending.map((hostId): HostOutcome => ({ hostId, status: 'failed', failedReasons: reasonsFor(task, reason) })), this.now());
    await this.tasks.finishIfDone(taskId, this.now());
  }

  /** The plan job failed for good: every host not yet decided nor waiting for an agent fails with the reason. */
  async giveUpTask(taskId: string, reason: string): Promise<void> {
    const task = await this.tasks.findById(taskId);
    if (!task || task.status === 'finished') return;
    for (let shard = 0; shard < this.shardCount(task); shard++) await this.giveUpShard(taskId, shard, reason);
  }

  private giveBack(taskId: string, context: MatchContext): void {
    const idle = this.idleContexts.get(taskId) ?? [];
    idle.push(context);
    this.idleContexts.delete(taskId);
    this.idleContexts.set(taskId, idle);
    // The oldest task's contexts go first (a Map keeps insertion order).
    while (this.idleContexts.size > CONTEXT_TASKS) this.idleContexts.delete(this.idleContexts.keys().next().value!);
  }

  private shardCount(task: VulScanTask): number {
    return Math.ceil(task.hostNum / this.settings.shardSize);
  }

  /** The shard's hosts (the task's hosts by id, shard × size onwards) still scanning without a command to an agent. */
  private async shardPending(task: VulScanTask, shard: number): Promise<string[]> {
    const rows = await this.tasks.hostSlice(task.id, shard * this.settings.shardSize, this.settings.shardSize);
    return rows.filter((r) => r.scanStatus === 'scanning' && r.commandId === null).map((r) => r.hostId);
  }

  /**
   * One pass over hosts waiting for their agent: match those whose
   * inventory arrived, fail those whose agent went offline or ran out of
   * time. Runs on a timer; nothing stays "scanning" past its timeout.
   */
  async monitor(): Promise<void> {
    const now = this.now();
    const waiting = await this.tasks.waitingHosts();
    const byTask = new Map<string, { ready: string[]; failed: HostOutcome[] }>();
    const tasks = new Map<string, VulScanTask>();
    for (const w of waiting) {
      const entry = byTask.get(w.taskId) ?? { ready: [], failed: [] };
      byTask.set(w.taskId, entry);
      if (!tasks.has(w.taskId)) tasks.set(w.taskId, (await this.tasks.findById(w.taskId))!);
      const task = tasks.get(w.taskId)!;
      if (w.inventoryAt !== null && w.inventoryAt >= w.startedAt) entry.ready.push(w.hostId);
      else if (now - Math.max(w.lastSeenAt, this.watchingSince) > this.settings.offlineAfterMs) entry.failed.push({ hostId: w.hostId, status: 'failed', failedReasons: reasonsFor(task, 'agent went offline during the scan') });
      else if (now - Math.max(w.startedAt, this.watchingSince) > this.settings.inventoryTimeoutMs)
        entry.failed.push({ hostId: w.hostId, status: 'failed', failedReasons: reasonsFor(task, `agent sent no inventory within ${Math.round(this.settings.inventoryTimeoutMs / 1000)} s`) });
    }
    for (const [taskId, entry] of byTask) {
      await this.tasks.finishHosts(taskId, entry.failed, now);
      await this.matchAndFinish(tasks.get(taskId)!, entry.ready);
    }
    for (const task of await this.tasks.running()) {
      if (now > Math.max(task.deadline, this.watchingSince + this.settings.inventoryTimeoutMs * 2)) {
        const left = await this.tasks.scanningHostIds(task.id);
        await this.tasks.finishHosts(task.id, left.map((l) => ({ hostId: l.hostId, status: 'failed', failedReasons: reasonsFor(task, 'scan task timed out') })), now);
      }
      await this.tasks.finishIfDone(task.id, now);
    }
  }

  private async matchAndFinish(task: VulScanTask, hostIds: string[], context = new MatchContext()): Promise<void> {
    const unsupported = unsupportedReasons(task.scanVulTypes);
    for (let i = 0; i < hostIds.length; i += MATCH_BATCH) {
      const batch = hostIds.slice(i, i + MATCH_BATCH);
      const started = this.now();
      const result = await this.matcher.matchHosts(task.projectId, batch, { vulTypes: task.scanVulTypes, urgentVulIds: task.urgentVulIds }, context);
      const outcomes: HostOutcome[] = [
        ...result.matched.map((hostId): HostOutcome => {
          // A host whose OS packages could not be matched at all fails linux_vul with the reason, rather than passing as clean.
          const gap = task.scanVulTypes.includes('linux_vul') ? result.osNotMatched.get(hostId) : undefined;
          const reasons = [...(gap ? [{ vul_type: 'linux_vul' as const, failed_reason: gap }] : []), ...unsupported];
          return reasons.length > 0 ? { hostId, status: 'failed', failedReasons: reasons } : { hostId, status: 'success', failedReasons: [] };
        }),
        ...result.withoutInventory.map((hostId): HostOutcome => ({ hostId, status: 'failed', failedReasons: reasonsFor(task, 'the agent has not reported an inventory') })),
      ];
      await this.tasks.finishHosts(task.id, outcomes, this.now());
      await this.tasks.recordThroughput(task.projectId, Math.max(1, this.now() - started) / batch.length, this.now());
    }
  }

  private async targetHosts(projectId: string, request: ScanRequest): Promise<Host[]> {
    let hosts: Host[];
    if (request.rangeType === 'all_host') {
      hosts = await this.hosts.findMany(projectId, {});
    } else if (request.agentIds) {
      if (request.agentIds.length === 0) throw invalidParameter('agent_id_list', 'Invalid parameter: agent_id_list must name 1-200 agents when range_type is specific_host');
      const wanted = [...new Set(request.agentIds)];
      hosts = await this.hosts.findMany(projectId, { agentIds: wanted });
      const known = new Set(hosts.map((h) => h.agentId));
      const unknown = wanted.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new DomainError('no-agent', `The selected server is not associated with any agent: unknown agent_id ${unknown.slice(0, 5).join(', ')}`, 'agent_id_list');
    } else {
      hosts = await this.hosts.findMany(projectId, { hostIds: [...new Set(request.hostIds ?? [])] });
    }
    if (request.enterpriseProjectIds) {
      const allowed = new Set(request.enterpriseProjectIds);
      hosts = hosts.filter((h) => allowed.has(h.enterpriseProjectId));
    }
    if (hosts.length === 0 && request.scanType === 'manual') throw new DomainError('no-agent', 'The selected server is not associated with any agent: no host to scan', request.rangeType === 'all_host' ? 'range_type' : 'agent_id_list');
    return hosts;
  }

  private withEstimate(task: VulScanTask, msPerHost: number | undefined): TaskView {
    const estimatedMinutes = task.status === 'finished' ? 0 : Math.max(1, Math.ceil((task.scanningHostNum * (msPerHost ?? DEFAULT_MS_PER_HOST)) / 60_000));
    return { ...task, estimatedMinutes };
  }
}

function unsupportedReasons(vulTypes: VulType[]): FailedReason[] {
  return vulTypes
    .filter((t) => !SUPPORTED_VUL_TYPES.includes(t))
    .map((t) => ({ vul_type: t, failed_reason: t === 'windows_vul' ? 'windows_vul not supported: openhss scans Linux hosts' : `${t} not supported by openhss` }));
}

/** The same reason for every vul type the task scans (the host could not be scanned at all). */
function reasonsFor(task: VulScanTask, reason: string): FailedReason[] {
  return task.scanVulTypes.map((t) => ({ vul_type: t, failed_reason: SUPPORTED_VUL_TYPES.includes(t) ? reason : unsupportedReasons([t])[0]!.failed_reason }));
}
