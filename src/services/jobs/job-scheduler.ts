import { randomUUID } from 'node:crypto';
import type { JobSchedulesTable } from '../../db/schema.js';
import type { ClusterScanType, CommonTaskType, IacFileType } from '../../domain/common-task.js';
import { invalidParameter, notFound } from '../../domain/errors.js';
import { nextScanTime, previousScanTime, type ScanSchedule } from '../../jobs/schedule/next-scan-time.js';
import type { JobScheduleRepository } from '../../repositories/job-schedule-repository.js';
import type { ImageSource } from '../../domain/image.js';
import { checkScanScope, type ImageScanService } from '../images/image-scan-service.js';
import type { ImageQueryInfo } from '../images/image-selection.js';
import type { CommonTaskService } from './common-task-service.js';

/** What a schedule runs: a cluster or IaC job, or an image scan task (HSS's `cycle` tasks). */
export type ScheduledTaskType = CommonTaskType | 'image_scan';

/** A scheduled image scan: every image of the type matching `queryInfo` at each run. */
export interface ImageScanInfo {
  imageType: ImageSource;
  queryInfo?: ImageQueryInfo;
  scanScope?: number;
  rateLimit?: number;
}

export interface ScheduleRequest {
  enterpriseProjectId: string;
  taskType: ScheduledTaskType;
  taskName: string;
  period: 'daily' | 'weekly';
  weekday?: number;
  hour: number;
  minute: number;
  timezoneOffset: number;
  clusterScanInfo?: { scanTypeList: ClusterScanType[]; rangeType: 'all_cluster' | 'specific_cluster'; clusterIdList?: string[] };
  iacScanInfo?: { fileType: IacFileType; fileIdList: string[] };
  imageScanInfo?: ImageScanInfo;
}

type StoredScanInfo = { cluster_scan_info?: ScheduleRequest['clusterScanInfo']; iac_scan_info?: ScheduleRequest['iacScanInfo']; image_scan_info?: ImageScanInfo };

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
  /** The slot each schedule was last tried for in this process: a slot that cannot run (its targets are gone) is tried once, not every tick. */
  private readonly attempted = new Map<string, number>();

  constructor(
    private readonly schedules: JobScheduleRepository,
    private readonly tasks: CommonTaskService,
    private readonly imageScans: ImageScanService,
    private readonly now: () => number,
  ) {}

  async create(projectId: string, request: ScheduleRequest): Promise<{ id: string; nextRunTime: number | null }> {
    if (request.period === 'weekly' && (request.weekday === undefined || request.weekday < 1 || request.weekday > 7)) throw invalidParameter('weekday', 'a weekly schedule needs weekday 1 (Monday) – 7 (Sunday)');
    if (request.taskType === 'cluster_scan' && !request.clusterScanInfo) throw invalidParameter('cluster_scan_info', 'a cluster_scan schedule needs cluster_scan_info');
    if (request.taskType === 'iac_scan' && !request.iacScanInfo) throw invalidParameter('iac_scan_info', 'an iac_scan schedule needs iac_scan_info');
    if (request.taskType === 'image_scan') {
      if (!request.imageScanInfo) throw invalidParameter('image_scan_info', 'an image_scan schedule needs image_scan_info');
      checkScanScope(request.imageScanInfo.scanScope);
    }
    const row: JobSchedulesTable = {
      id: randomUUID(),
      project_id: projectId,
      enterprise_project_id: request.enterpriseProjectId,
      task_type: request.taskType,
      task_name: request.taskName,
      scan_info: JSON.stringify(
        (request.taskType === 'cluster_scan'
          ? { cluster_scan_info: request.clusterScanInfo }
          : request.taskType === 'iac_scan'
            ? { iac_scan_info: request.iacScanInfo }
            : { image_scan_info: request.imageScanInfo }) satisfies StoredScanInfo,
      ),
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
      if (slot === null || slot <= Number(row.created_at) || this.attempted.get(row.id) === slot) continue;
      this.attempted.set(row.id, slot);
      const info = JSON.parse(row.scan_info) as StoredScanInfo;
      const scheduleKey = `${row.id}:${slot}`;
      try {
        let id: string | null;
        if (info.image_scan_info) {
          const image = info.image_scan_info;
          id = await this.imageScans.create(row.project_id, {
            imageType: image.imageType,
            enterpriseProjectIds: [row.enterprise_project_id],
            isAll: true,
            ...(image.queryInfo ? { queryInfo: image.queryInfo } : {}),
            ...(image.scanScope !== undefined ? { scanScope: image.scanScope } : {}),
            ...(image.rateLimit !== undefined ? { rateLimit: image.rateLimit } : {}),
            taskName: row.task_name,
            taskType: 'cycle',
            scheduleKey,
          });
        } else {
          id = await this.tasks.create(row.project_id, {
            taskType: row.task_type as CommonTaskType,
            enterpriseProjectIds: [row.enterprise_project_id],
            taskName: row.task_name,
            triggerType: 'schedule',
            ...(info.cluster_scan_info ? { clusterScanInfo: info.cluster_scan_info } : {}),
            ...(info.iac_scan_info ? { iacScanInfo: info.iac_scan_info } : {}),
            scheduleKey,
          });
        }
        if (id) created.push(id);
      } catch (err) {
        onError(row.id, err);
      }
    }
    return created;
  }
}
