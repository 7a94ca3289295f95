import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { invalidParameter, notFound } from '../domain/errors.js';
import type { ImageVulHandleStatus, ImageVulType } from '../domain/image.js';
import { CsvWriter } from '../exports/csv-writer.js';
import { FileSink } from '../exports/sheet-writer.js';
import type { FileStore, StoredFile } from '../files/file-store.js';
import type { HostVulExportFilter } from '../exports/host-vul-rows.js';
import { MAX_EXPORT_SIZE, type ExportFormat, type ExportKind } from '../exports/kinds.js';
import type { SheetWriter } from '../exports/sheet-writer.js';
import type { ExportParams, ExportSources } from '../exports/sources.js';
import { XlsxWriter } from '../exports/xlsx-writer.js';
import type { ExportTask, ExportTaskRepository } from '../repositories/export-task-repository.js';
import type { HostRepository } from '../repositories/host-repository.js';
import type { ImageAssetFilter, ImageAssetRepository } from '../repositories/image-asset-repository.js';

/** Tries of one export job, the first included. */
export const EXPORT_JOB_ATTEMPTS = 3;
/** A task still running this long after it was created has lost its worker: the sweep fails it. */
export const EXPORT_DEADLINE_MS = 60 * 60_000;

export type ExportStarter = (taskId: string, maxAttempts: number) => Promise<void>;

export interface ImageVulExportRequest {
  imageType: 'local' | 'registry';
  /** The caller's scope, resolved; and the value it was asked as, for the record. */
  enterpriseProjectIds: string[] | null;
  enterpriseProjectId: string;
  /** true: every image the filters select; otherwise only `imageIds` (which must exist). */
  operateAll: boolean;
  imageIds: string[];
  /** The image list's filters, without project, type, scope or ids. */
  assetFilter: Omit<ImageAssetFilter, 'projectId' | 'imageType' | 'enterpriseProjectIds' | 'ids'>;
  vulType?: ImageVulType;
  handleStatus?: ImageVulHandleStatus;
  vulIds?: string[];
  exportSize: number;
  format: ExportFormat;
}

export interface HostVulExportRequest {
  enterpriseProjectId: string;
  filter: HostVulExportFilter;
  exportSize: number;
  format: ExportFormat;
}

/** What a download hands to the client: the file's bytes, its size and the name to save it as. */
export interface ExportDownload {
  stream: Readable;
  size: number;
  fileName: string;
}

/** A task's file in the file store (recorded in export_tasks.file_path once complete). */
export const exportFileKey = (fileId: string, format: string): string => `exports/${fileId}.${format}`;

/**
 * The store key of a recorded file. Versions before the file store recorded
 * the file's path in the data directory (absolute, or relative to the working
 * directory as the data directory was given); the local store still serves those.
 */
const storedKey = (filePath: string): string => (filePath.startsWith('exports/') ? filePath : resolve(filePath));

/** Uploads left incomplete this long (their writer died) are removed by the sweep. */
const INCOMPLETE_UPLOAD_MS = EXPORT_DEADLINE_MS * 2;

const KIND_OF: Record<'local' | 'registry', ExportKind> = { local: 'local_image_vuls', registry: 'registry_image_vuls' };

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Export tasks: creating one (count, record, queue), running it (stream
 * the rows into the file store, which publishes the file only once it is
 * complete, then mark it done),
 * serving its file, and the sweep that fails lost tasks and deletes
 * expired files.
 */
export class ExportService {
  private starter: ExportStarter | undefined;

  constructor(
    private readonly tasks: ExportTaskRepository,
    private readonly sources: ExportSources,
    /** Where files go: every process that runs exports or serves downloads must reach the same store. */
    readonly files: FileStore,
    private readonly assets: ImageAssetRepository,
    private readonly hosts: HostRepository,
    private readonly options: { retentionMs: number },
    private readonly now: () => number,
  ) {}

  private logger: Logger | undefined;

  /** Where written exports are logged (the server's and workers' logger). */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** How created tasks reach a worker (the job queue); without one they wait for runTask. */
  useStarter(starter: ExportStarter): void {
    this.starter = starter;
  }

  /** Every try of the task's job failed (its worker died on the last): the task fails with the reason, now rather than at the sweep. */
  async giveUp(taskId: string, reason: string): Promise<void> {
    await this.tasks.markFailure(taskId, reason, this.now());
  }

  async createImageVulExport(projectId: string, r: ImageVulExportRequest): Promise<{ recordTotalNum: number; taskId: string }> {
    const assets: ImageAssetFilter = { ...r.assetFilter, projectId, imageType: r.imageType, enterpriseProjectIds: r.enterpriseProjectIds };
    if (!r.operateAll) {
      const refs = [...new Set(r.imageIds)];
      if (refs.length === 0) throw invalidParameter('image_id_list', 'Invalid parameter: image_id_list names no image; name the images or set operate_all to true');
      assets.ids = await this.requireImages(projectId, r, refs);
    }
    const params: ExportParams = {
      kind: KIND_OF[r.imageType] as 'local_image_vuls' | 'registry_image_vuls',
      filter: { assets, ...(r.vulType ? { vulType: r.vulType } : {}), ...(r.handleStatus ? { handleStatus: r.handleStatus } : {}), ...(r.vulIds ? { vulIds: r.vulIds } : {}) },
    };
    return this.create(projectId, r.enterpriseProjectId, params, r.exportSize, r.format);
  }

  async createHostVulExport(projectId: string, r: HostVulExportRequest): Promise<{ recordTotalNum: number; taskId: string }> {
    const hostId = r.filter.list.hostId;
    if (hostId !== undefined) {
      const host = await this.hosts.find(projectId, hostId);
      const scope = r.filter.list.enterpriseProjectIds;
      if (!host || (scope && !scope.includes(host.enterpriseProjectId))) throw notFound(`Requested resource not found: no host ${hostId}`);
    }
    return this.create(projectId, r.enterpriseProjectId, { kind: 'host_vuls', filter: r.filter }, r.exportSize, r.format);
  }

  /**
   * The asset ids `image_id_list` names: each entry is an image's `id` from
   * its list, or its image id or digest (sha256:…, every image of the
   * export's type with it). Unknown ids, other projects' images, images of
   * the other type, outside the caller's scope or gone: all "not found", listed.
   */
  private async requireImages(projectId: string, r: ImageVulExportRequest, refs: string[]): Promise<string[]> {
    const numeric = refs.filter((ref) => /^[0-9]{1,16}$/.test(ref));
    const found = await this.assets.getMany(projectId, numeric);
    const visible = new Set(
      found.filter((a) => a.imageType === r.imageType && a.removedAt === null && (!r.enterpriseProjectIds || r.enterpriseProjectIds.includes(a.enterpriseProjectId))).map((a) => a.id),
    );
    const ids = new Set<string>();
    const missing: string[] = [];
    for (const ref of refs) {
      if (visible.has(ref)) {
        ids.add(ref);
        continue;
      }
      let matched: string[] = [];
      if (/^sha256:[0-9a-f]{64}$/.test(ref)) {
        const base = { projectId, imageType: r.imageType, enterpriseProjectIds: r.enterpriseProjectIds };
        matched = [...(await this.assets.ids({ ...base, imageDigest: ref })), ...(await this.assets.ids({ ...base, imageId: ref }))];
      }
      if (matched.length === 0) missing.push(ref);
      for (const id of matched) ids.add(id);
    }
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
      throw notFound(`Requested resource not found: no ${r.imageType} image ${shown} (image_id_list)`);
    }
    return [...ids];
  }

  private async create(projectId: string, enterpriseProjectId: string, params: ExportParams, exportSize: number, format: ExportFormat) {
    if (!Number.isInteger(exportSize) || exportSize < 1 || exportSize > MAX_EXPORT_SIZE) {
      throw invalidParameter('export_size', `Invalid parameter: export_size must be an integer from 1 to ${MAX_EXPORT_SIZE}`);
    }
    const total = await this.sources.count(projectId, params);
    const now = this.now();
    const task: ExportTask = {
      id: randomUUID().replaceAll('-', ''),
      projectId,
      enterpriseProjectId,
      kind: params.kind,
      taskName: `${params.kind}_${stamp(now)}`,
      format,
      params,
      exportSize,
      recordTotalNum: Math.min(total, exportSize),
      matchedNum: total,
      status: 'running',
      failedReason: '',
      fileId: randomUUID().replaceAll('-', ''),
      fileName: `${params.kind}_${stamp(now)}.${format}`,
      filePath: null,
      fileSize: null,
      rowsWritten: 0,
      createdAt: now,
      finishedAt: null,
      // Replaced when the file is made; until then it bounds nothing (only tasks with a file expire).
      expiresAt: now + this.options.retentionMs,
    };
    await this.tasks.insert(task);
    try {
      await this.starter?.(task.id, EXPORT_JOB_ATTEMPTS);
    } catch (err) {
      // Nothing would ever run it: fail it now rather than at the deadline.
      await this.tasks.markFailure(task.id, `the export could not be queued: ${(err as Error).message}`, this.now());
      throw err;
    }
    return { recordTotalNum: task.recordTotalNum, taskId: task.id };
  }

  async get(projectId: string, taskId: string): Promise<ExportTask> {
    const task = await this.tasks.find(projectId, taskId);
    if (!task) throw notFound(`Requested resource not found: no export task ${taskId}`);
    return task;
  }

  /**
   * One attempt at a task's file. Idempotent: every attempt uploads the
   * whole file again under the same key, the store publishing it only once
   * complete (a killed attempt's partial upload is never served), and a task
   * that is no longer running is left alone. A failed last attempt fails the
   * task; earlier ones rethrow so the queue retries. `signal` aborts when the
   * worker stops or loses the job's lease: writing stops at once and the
   * upload is dropped, and the task is not failed (the job will run again).
   */
  async runTask(taskId: string, attempt = 1, maxAttempts = EXPORT_JOB_ATTEMPTS, signal?: AbortSignal): Promise<void> {
    const task = await this.tasks.get(taskId);
    if (!task || task.status !== 'running') return;
    const key = exportFileKey(task.fileId!, task.format);
    let rows = 0;
    let stored: StoredFile;
    try {
      ({ rows, stored } = await this.write(task, key, signal));
    } catch (err) {
      if (attempt >= maxAttempts && !signal?.aborted) await this.tasks.markFailure(task.id, `export failed after ${attempt} attempts: ${(err as Error).message}`, this.now());
      throw err;
    }
    const now = this.now();
    const recorded = await this.tasks.markSuccess(task.id, { filePath: key, fileSize: stored.size, rowsWritten: rows, finishedAt: now, expiresAt: now + this.options.retentionMs });
    // The sweep gave up on the task meanwhile: its status says failure, so no file may be served for it.
    if (!recorded) await this.files.delete(key);
    else {
      const truncated = task.matchedNum !== null && task.matchedNum > rows;
      this.logger?.info(
        {
          taskId: task.id,
          projectId: task.projectId,
          kind: task.kind,
          format: task.format,
          rows,
          bytes: stored.size,
          sha256: stored.sha256,
          store: this.files.kind,
          ...(task.matchedNum !== null ? { matched: task.matchedNum } : {}),
          truncated,
          durationMs: now - task.createdAt,
        },
        'export written',
      );
    }
  }

  /** Streams the rows straight into the store's upload: no local file, memory bounded by the streams' buffers. */
  private async write(task: ExportTask, key: string, signal: AbortSignal | undefined): Promise<{ rows: number; stored: StoredFile }> {
    const table = this.sources.table(task.projectId, task.params as ExportParams);
    const headers = table.columns.map((c) => c.header);
    const body = new PassThrough({ highWaterMark: 256 * 1024 });
    const upload = this.files.put(key, body);
    upload.catch(() => undefined);
    const sink = FileSink.over(body);
    let n = 0;
    let writer: SheetWriter | undefined;
    try {
      writer = task.format === 'csv' ? await CsvWriter.create(sink, headers) : await XlsxWriter.create(sink, table.sheetName, table.columns);
      for await (const row of table.rows) {
        signal?.throwIfAborted();
        await writer.row(row);
        if (++n >= task.exportSize) break;
      }
      await writer.finish();
    } catch (err) {
      // The upload sees the error and publishes nothing (a failed upload destroys the body with its own error, which the writer got).
      body.destroy(err as Error);
      await writer?.abort();
      await upload.catch(() => undefined);
      throw err;
    }
    return { rows: n, stored: await upload };
  }

  /** Opens a finished task's file. Running, failed, expired or another project's: not found, saying which. */
  async download(projectId: string, fileId: string): Promise<ExportDownload> {
    const task = await this.tasks.findByFile(projectId, fileId);
    if (!task) throw notFound(`Requested resource not found: no export file ${fileId}`);
    if (task.status === 'running') throw notFound(`Requested resource not found: export task ${task.id} is still running; its file ${fileId} is not ready yet`);
    if (task.status === 'failure') throw notFound(`Requested resource not found: export task ${task.id} failed (${task.failedReason}); it has no file`);
    if (!task.filePath) throw notFound(`Requested resource not found: export file ${fileId} expired and was deleted`);
    const file = await this.files.get(storedKey(task.filePath)).catch(() => null);
    if (!file) throw notFound(`Requested resource not found: export file ${fileId} is gone`);
    return { stream: file.stream, size: file.size, fileName: task.fileName };
  }

  /**
   * Fails tasks past their deadline (their worker died on the last attempt
   * or never ran them) and removes what their uploads left; forgets and
   * deletes files past retention; removes uploads nobody finished. Safe to
   * run in several processes at once.
   */
  async sweep(): Promise<{ failed: number; expired: number }> {
    const now = this.now();
    let failed = 0;
    for (const task of await this.tasks.overdue(now - EXPORT_DEADLINE_MS, 100)) {
      if (await this.tasks.markFailure(task.id, `export did not finish within ${EXPORT_DEADLINE_MS / 60_000} minutes (its worker was lost)`, now)) failed++;
      // A partial upload, or a file a worker published but died before recording.
      if (task.fileId) await this.files.delete(exportFileKey(task.fileId, task.format));
    }
    let expired = 0;
    for (const task of await this.tasks.expiredFiles(now, 100)) {
      // Forgotten first, so a download in between answers "expired" instead of finding no file.
      await this.tasks.clearFile(task.id);
      // One file that cannot be deleted (an older version's path the store does not know) does not stop the sweep.
      await this.files.delete(storedKey(task.filePath!)).catch((err: unknown) => this.logger?.warn({ taskId: task.id, err }, 'an expired export file could not be deleted'));
      expired++;
    }
    // Upload times are the system clock's, whatever clock the service was given.
    await this.files.sweepIncomplete(INCOMPLETE_UPLOAD_MS);
    return { failed, expired };
  }
}
