import { randomUUID } from 'node:crypto';
import type { JobSchedulesTable } from '../../db/schema.js';
import type { ClusterScanType, CommonTaskType, IacFileType } from '../../domain/common-task.js';
import { invalidParameter, notFound } from '../../domain/errors.js';
import { nextScanTime, previousScanTime, type ScanSchedule } from '../../jobs/schedule/next-scan-time.js';
import type { JobScheduleRepository } from '../../repositories/job-schedule-repository.js';
import type { CommonTaskService } from './common-task-service.js';

export interface ScheduleRequest {
  enterpriseProjectId: string;
  taskType: CommonTaskType;
  taskName: string;
  period: 'daily' | 'weekly';
  weekday?: number;
  hour: number;
  minute: number;
  timezoneOffset: number;
  clusterScanInfo?: { scanTypeList: ClusterScanType[]; rangeType: 'all_cluster' | 'specific_cluster'; clusterIdList?: string[] };
  iacScanInfo?: { fileType: IacFileType; fileIdList: string[] };
}

function scheduleOf(row: Pick<JobSchedulesTable, 'period' | 'weekday' | 'hour' | 'minute' | 'timezone_offset' | 'created_at'>): ScanSchedule {
  return {
    period: row.period === 'weekly' ? 'one_week' : 'one_day',
    dayPart: row.weekday ? [row.weekday] : [],
    hour: row.hour,
    minute: row.minute,
    timezoneOffset: row.timezone_offset,
    anchor: Number(row.created_at),
  };
}

/**
 * Schedules of cluster and IaC scans (daily or weekly, at a local time).
 * Each tick creates the task of the latest slot that has passed, once:
 * the slot is part of the task's unique schedule key, so racing schedulers
 * and restarts never create it twice, and downtime runs only the latest
 * missed slot.
 */
export class JobScheduler {
  constructor(
    private readonly schedules: JobScheduleRepository,
    private readonly tasks: CommonTaskService,
    private readonly now: () => number,
  ) {}

  async create(projectId: string, request: ScheduleRequest): Promise<{ id: string; nextRunTime: number | null }> {
    if (request.period === 'weekly' && (request.weekday === undefined || request.weekday < 1 || request.weekday > 7)) throw invalidParameter('weekday', 'a weekly schedule needs weekday 1 (Monday) – 7 (Sunday)');
    if (request.taskType === 'cluster_scan' && !request.clusterScanInfo) throw invalidParameter('cluster_scan_info', 'a cluster_scan schedule needs cluster_scan_info');
    if (request.taskType === 'iac_scan' && !request.iacScanInfo) throw invalidParameter('iac_scan_info', 'an iac_scan schedule needs iac_scan_info');
    const row: JobSchedulesTable = {
      id: randomUUID(),
      project_id: projectId,
      enterprise_project_id: request.enterpriseProjectId,
      task_type: request.taskType,
      task_name: request.taskName,
      scan_info: JSON.stringify(request.taskType === 'cluster_scan' ? { cluster_scan_info: request.clusterScanInfo } : { iac_scan_info: request.iacScanInfo }),
      period: request.period,
      weekday: request.period === 'weekly' ? request.weekday! : null,
      hour: request.hour,
      minute: request.minute,
      timezone_offset: request.timezoneOffset,
      created_at: this.now(),
    };
    await this.schedules.insert(row);
    return { id: row.id, nextRunTime: nextScanTime(scheduleOf(row), this.now()) };
  }

  async list(projectId: string) {
    return (await this.schedules.list(projectId)).map((row) => ({ row, nextRunTime: nextScanTime(scheduleOf(row), this.now()) }));
  }

  async delete(projectId: string, id: string): Promise<void> {
    if (!(await this.schedules.delete(projectId, id))) throw notFound(`schedule ${id} not found`);
  }

  /** Creates the tasks of slots that have passed; a schedule whose targets are gone logs and waits for the next slot. */
  async tick(onError: (scheduleId: string, err: unknown) => void = () => undefined): Promise<string[]> {
    const created: string[] = [];
    const now = this.now();
    for (const row of await this.schedules.all()) {
      const slot = previousScanTime(scheduleOf(row), now);
      if (slot === null || slot <= Number(row.created_at)) continue;
      const info = JSON.parse(row.scan_info) as Pick<ScheduleRequest, 'clusterScanInfo' | 'iacScanInfo'> & { cluster_scan_info?: ScheduleRequest['clusterScanInfo']; iac_scan_info?: ScheduleRequest['iacScanInfo'] };
      try {
        const id = await this.tasks.create(row.project_id, {
          taskType: row.task_type as CommonTaskType,
          enterpriseProjectIds: [row.enterprise_project_id],
          taskName: row.task_name,
          triggerType: 'schedule',
          ...(info.cluster_scan_info ? { clusterScanInfo: info.cluster_scan_info } : {}),
          ...(info.iac_scan_info ? { iacScanInfo: info.iac_scan_info } : {}),
          scheduleKey: `${row.id}:${slot}`,
        });
        if (id) created.push(id);
      } catch (err) {
        onError(row.id, err);
      }
    }
    return created;
  }
}
