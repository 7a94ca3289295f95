import type { Kysely } from 'kysely';
import type { DB, ExportTasksTable } from '../db/schema.js';
import type { ExportFormat, ExportKind, ExportTaskStatus } from '../exports/kinds.js';

export interface ExportTask {
  id: string;
  projectId: string;
  enterpriseProjectId: string;
  kind: ExportKind;
  taskName: string;
  format: ExportFormat;
  /** The request's filters, as the service stored them. */
  params: unknown;
  exportSize: number;
  recordTotalNum: number;
  /** Rows that matched when the task was created; above exportSize the file is truncated (null: not recorded). */
  matchedNum: number | null;
  status: ExportTaskStatus;
  failedReason: string;
  fileId: string | null;
  fileName: string;
  /** Set only once the complete file is in place; cleared when it expires. */
  filePath: string | null;
  fileSize: number | null;
  rowsWritten: number;
  createdAt: number;
  finishedAt: number | null;
  expiresAt: number;
}

const num = (v: number | null) => (v === null ? null : Number(v));

function toTask(r: ExportTasksTable): ExportTask {
  return {
    id: r.id,
    projectId: r.project_id,
    enterpriseProjectId: r.enterprise_project_id,
    kind: r.kind as ExportKind,
    taskName: r.task_name,
    format: r.format as ExportFormat,
    params: JSON.parse(r.params) as unknown,
    exportSize: Number(r.export_size),
    recordTotalNum: Number(r.record_total_num),
    matchedNum: num(r.matched_num),
    status: r.status as ExportTaskStatus,
    failedReason: r.failed_reason,
    fileId: r.file_id,
    fileName: r.file_name,
    filePath: r.file_path,
    fileSize: num(r.file_size),
    rowsWritten: Number(r.rows_written),
    createdAt: Number(r.created_at),
    finishedAt: num(r.finished_at),
    expiresAt: Number(r.expires_at),
  };
}

/** Export tasks and the files they produced. Every state change is guarded by the state it leaves, so racing workers and sweeps cannot undo each other. */
export class ExportTaskRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(task: ExportTask): Promise<void> {
    await this.db
      .insertInto('export_tasks')
      .values({
        id: task.id,
        project_id: task.projectId,
        enterprise_project_id: task.enterpriseProjectId,
        kind: task.kind,
        task_name: task.taskName,
        format: task.format,
        params: JSON.stringify(task.params),
        export_size: task.exportSize,
        record_total_num: task.recordTotalNum,
        matched_num: task.matchedNum,
        status: task.status,
        failed_reason: task.failedReason,
        file_id: task.fileId,
        file_name: task.fileName,
        file_path: task.filePath,
        file_size: task.fileSize,
        rows_written: task.rowsWritten,
        created_at: task.createdAt,
        finished_at: task.finishedAt,
        expires_at: task.expiresAt,
      })
      .execute();
  }

  async get(taskId: string): Promise<ExportTask | null> {
    const row = await this.db.selectFrom('export_tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
    return row ? toTask(row) : null;
  }

  async find(projectId: string, taskId: string): Promise<ExportTask | null> {
    const row = await this.db.selectFrom('export_tasks').selectAll().where('project_id', '=', projectId).where('id', '=', taskId).executeTakeFirst();
    return row ? toTask(row) : null;
  }

  async findByFile(projectId: string, fileId: string): Promise<ExportTask | null> {
    const row = await this.db.selectFrom('export_tasks').selectAll().where('project_id', '=', projectId).where('file_id', '=', fileId).executeTakeFirst();
    return row ? toTask(row) : null;
  }

  /** Records the published file. False when the task is no longer running (a sweep failed it meanwhile). */
  async markSuccess(taskId: string, file: { filePath: string; fileSize: number; rowsWritten: number; finishedAt: number; expiresAt: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('export_tasks')
      .set({ status: 'success', file_path: file.filePath, file_size: file.fileSize, rows_written: file.rowsWritten, finished_at: file.finishedAt, expires_at: file.expiresAt, failed_reason: '' })
      .where('id', '=', taskId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** False when the task had already ended. */
  async markFailure(taskId: string, reason: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('export_tasks')
      .set({ status: 'failure', failed_reason: reason, finished_at: now })
      .where('id', '=', taskId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Running tasks created before `createdBefore`: past their deadline. */
  async overdue(createdBefore: number, limit: number): Promise<ExportTask[]> {
    const rows = await this.db.selectFrom('export_tasks').selectAll().where('status', '=', 'running').where('created_at', '<', createdBefore).orderBy('created_at').limit(limit).execute();
    return rows.map(toTask);
  }

  /** Tasks whose file is still on disk past its expiry. */
  async expiredFiles(now: number, limit: number): Promise<ExportTask[]> {
    const rows = await this.db.selectFrom('export_tasks').selectAll().where('expires_at', '<=', now).where('file_path', 'is not', null).orderBy('expires_at').limit(limit).execute();
    return rows.map(toTask);
  }

  /** Forgets an expired task's file, so downloads answer "not found" before and after the file is deleted. */
  async clearFile(taskId: string): Promise<void> {
    await this.db.updateTable('export_tasks').set({ file_path: null }).where('id', '=', taskId).execute();
  }
}
