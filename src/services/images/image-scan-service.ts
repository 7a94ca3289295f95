import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ImageScanTaskItemsTable, ImageScanTasksTable } from '../../db/schema.js';
import { invalidParameter, notFound } from '../../domain/errors.js';
import { SCAN_SCOPE, type ImageAsset, type ImageScanStatus, type ImageSource } from '../../domain/image.js';
import type { ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import type { ImageContentRepository } from '../../repositories/image-content-repository.js';
import type { ImageScanTaskFilter, ImageScanTaskRepository, ImageScanTaskStatus, ItemCounts } from '../../repositories/image-scan-task-repository.js';
import { decodeInventory } from '../../repositories/inventory-codec.js';
import type { RateBucketRepository } from '../../repositories/rate-bucket-repository.js';
import type { ImageContentService } from './image-content-service.js';
import { filterFromQueryInfo, resolveImageInfo, type ImageInfoRef, type ImageQueryInfo } from './image-selection.js';
import { classifyScanError, ImageScanFailure, type RegistryAccess, type RegistryImageScanner } from './registry-image-scanner.js';

export interface ImageScanRequest {
  imageType: ImageSource;
  /** The enterprise projects the caller's request covers (selection and the task's own). */
  enterpriseProjectIds: string[];
  scanScope?: number;
  rateLimit?: number;
  isAll?: boolean;
  queryInfo?: ImageQueryInfo;
  imageInfo?: ImageInfoRef[];
  taskName?: string;
  /** cycle: created by a schedule, once per slot (`scheduleKey`). Default manual. */
  taskType?: 'manual' | 'cycle';
  scheduleKey?: string;
}

/** How local images get fresh reports: the agents of the hosts holding them are asked. */
export interface LocalImageReports {
  requestReports(projectId: string, assetIds: readonly string[]): Promise<{ requested: string[]; failed: Array<{ assetId: string; reason: string }> }>;
  /** The assets some host reported at or after `since` (an unchanged image counts: its report is the scan). */
  reportsArrivedSince(projectId: string, assetIds: readonly string[], since: number): Promise<Set<string>>;
}

/** Hands one image of a task to the job queue (a direct call in tests). */
export type ItemStarter = (taskId: string, assetId: string) => Promise<void>;

export interface ImageScanSettings {
  taskTimeoutMs: number;
  localReportTimeoutMs: number;
}

export interface ImageScanTaskView {
  task: ImageScanTasksTable;
  counts: ItemCounts;
  /** HSS task_status: progress 0–100 while running and when finished; -1 stopped, -2 timed out, -3 error. */
  progress: number;
  remainingMinutes: number;
  failedImages: Awaited<ReturnType<ImageScanTaskRepository['failedItems']>>;
  /** The modules of the task's scan_scope openhss did not run. */
  notSupported: string[];
}

const IMPLEMENTED_SCOPE = SCAN_SCOPE.vulnerabilities;
/** A dispatched item that has not started this long after is offered to the queue again (its job is keyed: never queued twice). */
const LOST_DISPATCH_MS = 10 * 60_000;
/** An item claimed for dispatch whose job was not confirmed queued this long after (its process died in between) is offered again. */
const UNQUEUED_DISPATCH_MS = 60_000;
const DISPATCH_BATCH = 200;
/** A pulled image still scanning this long after it started lost its worker for good (every try crashed). */
const STUCK_SCAN_MS = 60 * 60_000;
const STATUS_CODE: Record<Exclude<ImageScanTaskStatus, 'running' | 'finished'>, number> = { stopped: -1, timeout: -2, error: -3 };

/** The modules of `scan_scope` openhss does not run, by their bits. */
const UNSUPPORTED_MODULES: ReadonlyArray<[number, string]> = [
  [SCAN_SCOPE.baseline, 'baseline check'],
  [SCAN_SCOPE.maliciousFiles, 'malicious files'],
  [SCAN_SCOPE.sensitiveInfo, 'sensitive information'],
  [SCAN_SCOPE.compliance, 'software compliance'],
];

/**
 * The scan scope a request asks for (absent: vulnerabilities). Every
 * int32 bitmask HSS documents is accepted, `0x7fffffff` (all) included:
 * openhss runs the vulnerability part and records the rest as not
 * supported (`unsupportedModules`). 0 asks for nothing and is a 400.
 */
export function checkScanScope(requested: number | undefined): number {
  const scope = requested ?? IMPLEMENTED_SCOPE;
  if (scope === 0) throw invalidParameter('scan_scope', 'scan_scope 0 scans for nothing; use 0x000f0000 (983040) for vulnerabilities');
  return scope;
}

/** The modules a scope asks for that openhss does not run (each named once). */
export function unsupportedModules(scope: number): string[] {
  return UNSUPPORTED_MODULES.filter(([bits]) => (scope & bits) !== 0).map(([, name]) => name);
}

/** What a task's rows say about the modules it could not run: `not supported: …`, or '' when it runs everything it asked for. */
export function notSupportedText(scope: number): string {
  const names = unsupportedModules(scope);
  return names.length === 0 ? '' : `not supported: ${names.join(', ')} (openhss scans vulnerabilities only)`;
}

/**
 * Image scan tasks (HSS CreateManualImageScanTask, ListImageScanTask,
 * StopImageScanTask): which images a task covers, handing them to workers
 * no faster than the task's rate limit (a token bucket in the database, so
 * the limit holds across every worker), scanning each digest once, and
 * each image's outcome.
 */
export class ImageScanService {
  private starter: ItemStarter | undefined;
  private localReports: LocalImageReports | undefined;

  constructor(
    private readonly tasks: ImageScanTaskRepository,
    private readonly assets: ImageAssetRepository,
    private readonly contents: ImageContentRepository,
    private readonly contentService: ImageContentService,
    private readonly buckets: RateBucketRepository,
    private readonly registries: RegistryAccess,
    private readonly scanner: RegistryImageScanner,
    private readonly settings: ImageScanSettings,
    private readonly now: () => number,
  ) {}

  private logger: Logger | undefined;

  /** Where task starts and ends are logged (the server's and workers' logger). */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  useStarter(starter: ItemStarter): void {
    this.starter = starter;
  }

  /** Registry images this process pulled, and how many of their layers came from the layer cache. */
  scannerStats(): { images: number; layers: number; cachedLayers: number } {
    return { ...this.scanner.stats };
  }

  useLocalReports(reports: LocalImageReports): void {
    this.localReports = reports;
  }

  /**
   * Creates a task over the selected images and returns its id; the images
   * wait for dispatch. Null when no task was created: `is_all` selected
   * nothing (HSS answers 200 and creates no task), or that schedule slot has
   * its task already.
   */
  async create(projectId: string, request: ImageScanRequest): Promise<string | null> {
    const scope = checkScanScope(request.scanScope);
    const eps = request.enterpriseProjectIds;
    let selected: ImageAsset[];
    if (request.isAll) {
      const filter = filterFromQueryInfo(projectId, eps, request.imageType, request.queryInfo);
      const ids = await this.assets.ids(filter);
      const order = new Map(ids.map((id, i) => [id, i]));
      selected = (await this.assets.getMany(projectId, ids)).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
      if (selected.length === 0) {
        this.logger?.info({ projectId, imageType: request.imageType, queryInfo: request.queryInfo ?? {} }, 'image scan task not created: is_all selects no image');
        return null;
      }
    } else {
      if (!request.imageInfo || request.imageInfo.length === 0) throw invalidParameter('image_info', 'name the images in image_info, or set is_all to scan every image matching query_info');
      selected = await resolveImageInfo(this.assets, projectId, eps, request.imageType, request.imageInfo);
    }
    const now = this.now();
    const id = randomUUID();
    // Without the vulnerability bits nothing openhss implements was asked for: the task records each image as not supported.
    const runsNothing = (scope & IMPLEMENTED_SCOPE) === 0;
    const notSupported = notSupportedText(scope);
    const task: ImageScanTasksTable = {
      id,
      project_id: projectId,
      enterprise_project_id: eps[0] ?? '0',
      task_name: request.taskName ?? `image_scan_${new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15)}`,
      task_type: request.taskType ?? 'manual',
      image_type: request.imageType,
      scan_scope: scope,
      rate_limit: request.rateLimit ?? 0,
      is_all: request.isAll ? 1 : 0,
      selection: JSON.stringify(request.isAll ? { query_info: request.queryInfo ?? {} } : { image_info: request.imageInfo }),
      status: runsNothing ? 'finished' : 'running',
      failed_reason: '',
      begin_time: now,
      end_time: runsNothing ? now : null,
      deadline: now + this.settings.taskTimeoutMs,
      total_num: selected.length,
      schedule_key: request.scheduleKey ?? null,
    };
    const items: ImageScanTaskItemsTable[] = selected.map((asset, position) => ({
      task_id: id,
      image_asset_id: asset.id,
      project_id: projectId,
      image_digest: asset.imageDigest,
      position,
      scan_status: runsNothing ? 'failed' : 'waiting_for_scan',
      failed_reason: runsNothing ? notSupported : '',
      risky: 0,
      dispatched_at: null,
      started_at: null,
      finished_at: runsNothing ? now : null,
    }));
    if (!(await this.tasks.create(task, items))) return null;
    if (!runsNothing) await this.assets.setScanStatus(projectId, items.map((i) => i.image_asset_id), 'waiting_for_scan', '', now);
    this.logger?.info(
      { taskId: id, projectId, imageType: task.image_type, taskType: task.task_type, images: items.length, scanScope: scope, rateLimit: task.rate_limit, ...(notSupported ? { notSupported: unsupportedModules(scope) } : {}) },
      'image scan task started',
    );
    if (runsNothing) await this.logEnd(task, 'finished');
    return id;
  }

  async list(filter: ImageScanTaskFilter, page: { offset: number; limit: number }): Promise<{ total: number; views: ImageScanTaskView[] }> {
    const { total, tasks } = await this.tasks.list(filter, page);
    const counts = await this.tasks.countsOf(tasks.map((t) => t.id));
    const views: ImageScanTaskView[] = [];
    for (const task of tasks) views.push(await this.view(task, counts.get(task.id)!));
    return { total, views };
  }

  async get(projectId: string, taskId: string): Promise<ImageScanTaskView> {
    const task = await this.tasks.get(taskId);
    if (!task || task.project_id !== projectId) throw notFound(`image scan task ${taskId} not found`);
    return this.view(task);
  }

  /** Each image of a task, and the modules of its scope not run on any of them. */
  async items(projectId: string, taskId: string): Promise<{ items: ImageScanTaskItemsTable[]; notSupported: string[] }> {
    const task = await this.tasks.get(taskId);
    if (!task || task.project_id !== projectId) throw notFound(`image scan task ${taskId} not found`);
    return { items: await this.tasks.items(taskId), notSupported: unsupportedModules(task.scan_scope) };
  }

  /** Stops a running task: images not yet scanned end as image_scan_stop. */
  async stop(projectId: string, taskId: string): Promise<void> {
    const task = await this.tasks.get(taskId);
    if (!task || task.project_id !== projectId) throw notFound(`image scan task ${taskId} not found`);
    if (task.status !== 'running') return;
    await this.endTask(task, 'stopped', 'stopped by the user', 'image_scan_stop');
  }

  /**
   * One pass over running tasks, safe in every process at once: times out
   * overdue tasks, hands waiting images to the queue as their rate allows,
   * settles local images whose agents reported (or did not in time), and
   * finishes tasks with nothing left open. Returns the earliest time a
   * rate-limited task can go on, for the caller's next wake-up.
   */
  async dispatch(): Promise<{ nextAt: number | null }> {
    let nextAt: number | null = null;
    for (const taskId of await this.tasks.runningTaskIds()) {
      const task = await this.tasks.get(taskId);
      if (!task || task.status !== 'running') continue;
      const now = this.now();
      if (now >= Number(task.deadline)) {
        await this.endTask(task, 'timeout', 'the task ran past its deadline (images.taskTimeoutHours)', 'failed');
        continue;
      }
      await this.tasks.releaseLostDispatches(taskId, now - LOST_DISPATCH_MS, now - UNQUEUED_DISPATCH_MS);
      const retryAt = await this.dispatchTask(task);
      if (retryAt !== null) nextAt = nextAt === null ? retryAt : Math.min(nextAt, retryAt);
      await this.settleLocalItems(task);
      await this.failStuckItems(task);
      await this.finishIfDone(task);
    }
    return { nextAt };
  }

  /** Every try of an item's job failed (its worker died on the last): the item, if still open, fails with the reason. */
  async giveUpItem(taskId: string, assetId: string, reason: string): Promise<void> {
    const task = await this.tasks.get(taskId);
    const item = await this.tasks.item(taskId, assetId);
    if (!task || !item || task.status !== 'running') return;
    if (item.scan_status !== 'waiting_for_scan' && item.scan_status !== 'scanning') return;
    await this.finishItem(task, item, 'failed', reason);
  }

  /** Scans one image of a task (the `imagescan.image` job). Safe to run again after a crash. */
  async runItem(taskId: string, assetId: string, signal?: AbortSignal): Promise<void> {
    const task = await this.tasks.get(taskId);
    const item = await this.tasks.item(taskId, assetId);
    if (!task || !item || task.status !== 'running') return;
    if (item.scan_status !== 'waiting_for_scan' && item.scan_status !== 'scanning') return;
    if (!(await this.tasks.start(taskId, item, this.now()))) return;
    const asset = await this.assets.get(task.project_id, assetId);
    const twins = await this.openTwinIds(taskId, item);
    await this.assets.setScanStatus(task.project_id, twins, 'scanning', '', this.now());
    try {
      if (!asset || asset.removedAt !== null) throw new ImageScanFailure('failed', 'the image is no longer in its source');
      switch (asset.imageType) {
        case 'registry':
          await this.scanRegistryImage(task, item, asset, signal);
          return;
        case 'cicd':
          await this.rematchStored(task, item, asset);
          return;
        case 'local':
          await this.askForLocalReport(task, item, asset);
          return;
      }
    } catch (err) {
      const failure = classifyScanError(err);
      await this.finishItem(task, item, failure.status, failure.message, false);
    }
  }

  private async scanRegistryImage(task: ImageScanTasksTable, item: ImageScanTaskItemsTable, asset: ImageAsset, signal?: AbortSignal): Promise<void> {
    if (asset.imageSize !== null && asset.imageSize > this.scanner.maxBytes) {
      throw new ImageScanFailure('image_oversized', `image is ${asset.imageSize} bytes, over the ${this.scanner.maxBytes}-byte limit (images.maxImageSizeBytes)`);
    }
    if (!asset.registryId) throw new ImageScanFailure('failed', 'the image has no registry');
    const connection = await this.registries.connectionFor(task.project_id, asset.registryId);
    if (!connection) throw new ImageScanFailure('download_failed', `registry ${asset.registryName} no longer exists`);
    const scanned = await this.scanner.scan(asset, connection, signal);
    if (scanned.digest !== asset.imageDigest) {
      // The tag moved since the sync: the asset is what was just pulled.
      await this.assets.setContent(task.project_id, asset.id, { imageDigest: scanned.digest, imageId: scanned.imageId, imageSize: scanned.size }, this.now());
    }
    const recorded = await this.contentService.record(task.project_id, scanned.digest, scanned.imageId, scanned.inventory, 'registry');
    await this.finishItem(task, { ...item, image_digest: item.image_digest ?? scanned.digest }, 'success', '', recorded.vulNum > 0);
  }

  /** A CI/CD image cannot be pulled again; its reported inventory is matched against the current DB. */
  private async rematchStored(task: ImageScanTasksTable, item: ImageScanTaskItemsTable, asset: ImageAsset): Promise<void> {
    const document = asset.imageDigest ? await this.contents.document(task.project_id, asset.imageDigest) : null;
    if (!document || !asset.imageDigest) throw new ImageScanFailure('failed', 'no pipeline report is stored for this image');
    const recorded = await this.contentService.record(task.project_id, asset.imageDigest, asset.imageId, decodeInventory(document), 'cicd');
    await this.finishItem(task, item, 'success', '', recorded.vulNum > 0);
  }

  private async askForLocalReport(task: ImageScanTasksTable, item: ImageScanTaskItemsTable, asset: ImageAsset): Promise<void> {
    if (!this.localReports) throw new ImageScanFailure('failed', 'local image reports are not available in this process');
    const { failed } = await this.localReports.requestReports(task.project_id, [asset.id]);
    if (failed.length > 0) throw new ImageScanFailure('failed', failed.map((f) => f.reason).join('; '));
    // The item stays scanning until the agent's report arrives; dispatch() settles it.
  }

  private async settleLocalItems(task: ImageScanTasksTable): Promise<void> {
    if (task.image_type !== 'local' || !this.localReports) return;
    for (const item of await this.tasks.scanningItems(task.id)) {
      const startedAt = Number(item.started_at ?? task.begin_time);
      const arrived = await this.localReports.reportsArrivedSince(task.project_id, [item.image_asset_id], startedAt);
      if (arrived.has(item.image_asset_id)) {
        const summary = item.image_digest ? await this.contents.summary(task.project_id, item.image_digest) : null;
        const risky = summary !== null && summary.critical_num + summary.high_num + summary.medium_num + summary.low_num + summary.unknown_num > 0;
        await this.finishItem(task, item, 'success', '', risky);
      } else if (this.now() - startedAt > this.settings.localReportTimeoutMs) {
        await this.finishItem(task, item, 'failed', 'no agent holding the image reported it in time');
      }
    }
  }

  private async failStuckItems(task: ImageScanTasksTable): Promise<void> {
    if (task.image_type === 'local') return;
    for (const item of await this.tasks.scanningItems(task.id)) {
      if (this.now() - Number(item.started_at ?? task.begin_time) > STUCK_SCAN_MS) {
        await this.finishItem(task, item, 'failed', 'the scan did not finish within an hour (its worker stopped)');
      }
    }
  }

  private async dispatchTask(task: ImageScanTasksTable): Promise<number | null> {
    if (!this.starter) return null;
    for (;;) {
      const batch = await this.tasks.dispatchable(task.id, DISPATCH_BATCH);
      if (batch.length === 0) return null;
      const carried = new Set<string>();
      for (const item of batch) {
        // A twin earlier in this batch carries the digest; the next query leaves this one out.
        if (item.image_digest !== null) {
          if (carried.has(item.image_digest)) continue;
          carried.add(item.image_digest);
        }
        // Claim first, then spend a token: a token is never spent on an image another process took.
        if (!(await this.tasks.claimDispatch(task.id, item.image_asset_id, this.now()))) continue;
        if (task.rate_limit > 0) {
          const taken = await this.buckets.take(`image-scan-task:${task.id}`, task.rate_limit, this.now());
          if (!taken.granted) {
            await this.tasks.unclaimDispatch(task.id, item.image_asset_id);
            return taken.retryAt;
          }
        }
        await this.starter(task.id, item.image_asset_id);
        await this.tasks.confirmDispatch(task.id, item.image_asset_id, this.now());
      }
      if (batch.length < DISPATCH_BATCH) return null;
    }
  }

  private async finishItem(task: ImageScanTasksTable, item: Pick<ImageScanTaskItemsTable, 'image_asset_id' | 'image_digest'>, status: ImageScanStatus, reason: string, risky = false): Promise<void> {
    const now = this.now();
    const ended = await this.tasks.finish(task.id, item, status, reason, risky, now);
    // A success is already on the assets (recorded by digest); failures are put there now.
    if (status !== 'success' && ended.length > 0) await this.assets.setScanStatus(task.project_id, ended, status, reason, now, true);
    await this.finishIfDone(task);
  }

  /**
   * Ends a running task and its open items. A stop touches only this
   * task's open items, and each of their images shows its latest completed
   * scan again (image_scan_stop when it never had one), unless another
   * running task has it open; a timeout fails them.
   */
  private async endTask(task: ImageScanTasksTable, status: 'stopped' | 'timeout', reason: string, itemStatus: ImageScanStatus): Promise<void> {
    const now = this.now();
    if (!(await this.tasks.end(task.id, status, reason, now))) return;
    const ended = await this.tasks.finishOpen(task.id, itemStatus, reason, now);
    if (status === 'stopped') await this.assets.restoreCompletedStatus(task.project_id, ended, itemStatus, reason, now);
    else await this.assets.setScanStatus(task.project_id, ended, itemStatus, reason, now);
    await this.buckets.remove(`image-scan-task:${task.id}`);
    await this.logEnd(task, status);
  }

  /** The operator's record of a task's end, with its counts. */
  private async logEnd(task: ImageScanTasksTable, status: Exclude<ImageScanTaskStatus, 'running'>): Promise<void> {
    if (!this.logger) return;
    const c = await this.tasks.counts(task.id);
    const fields = { taskId: task.id, projectId: task.project_id, status, images: c.total, success: c.success, failed: c.failed, risky: c.risky, durationMs: this.now() - Number(task.begin_time) };
    if (status === 'finished') this.logger.info(fields, 'image scan task ended');
    else this.logger.warn(fields, 'image scan task ended');
  }

  /** Ends a task with nothing left open; logs only when this call ended it. */
  private async finishIfDone(task: ImageScanTasksTable): Promise<void> {
    const counts = await this.tasks.counts(task.id);
    if (counts.waiting + counts.scanning === 0 && (await this.tasks.end(task.id, 'finished', '', this.now()))) await this.logEnd(task, 'finished');
  }

  private async openTwinIds(taskId: string, item: ImageScanTaskItemsTable): Promise<string[]> {
    const items = await this.tasks.scanningItems(taskId);
    return items.filter((i) => i.image_asset_id === item.image_asset_id || (item.image_digest !== null && i.image_digest === item.image_digest)).map((i) => i.image_asset_id);
  }

  private async view(task: ImageScanTasksTable, known?: ItemCounts): Promise<ImageScanTaskView> {
    const counts = known ?? (await this.tasks.counts(task.id));
    const done = counts.success + counts.failed;
    const status = task.status as ImageScanTaskStatus;
    const progress = status === 'running' ? Math.min(99, Math.floor((done / Math.max(1, counts.total)) * 100)) : status === 'finished' ? 100 : STATUS_CODE[status];
    let remainingMinutes = 0;
    if (status === 'running') {
      const open = counts.waiting + counts.scanning;
      const elapsed = this.now() - Number(task.begin_time);
      const perImageMs = done > 0 ? elapsed / done : 60_000;
      const limitedMs = task.rate_limit > 0 ? (counts.waiting * 3_600_000) / task.rate_limit : 0;
      remainingMinutes = Math.ceil(Math.max(open * perImageMs, limitedMs) / 60_000);
    }
    // Only tasks with failures look their failed images up.
    return { task, counts, progress, remainingMinutes, failedImages: counts.failed > 0 ? await this.tasks.failedItems(task.id, 50) : [], notSupported: unsupportedModules(task.scan_scope) };
  }
}
