import { EventEmitter } from 'node:events';
import { imageContentHash } from '../../agent/image-content-hash.js';
import { completeInventory, inventoryHash, type ImageReportAccepted, type InventoryDocument, type ReceivedImageReport, type ReportedImage } from '../../agent/protocol.js';
import { invalidParameter } from '../../domain/errors.js';
import type { Host } from '../../domain/host.js';
import type { ImageAsset, ImageScanStatus, ImageVulTotals, LocalImageType } from '../../domain/image.js';
import type { AgentCommandRepository } from '../../repositories/agent-command-repository.js';
import type { HostRepository } from '../../repositories/host-repository.js';
import type { ImageAssetDraft, ImageAssetFilter, ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import { totalsOf, type ImageContentRepository } from '../../repositories/image-content-repository.js';
import type { ImageLocalRef, ImageLocalRefRepository, LocalRefSummary } from '../../repositories/image-local-ref-repository.js';
import { decodeInventory } from '../../repositories/inventory-codec.js';
import type { AgentService } from '../agent-service.js';
import type { ImageContentService } from './image-content-service.js';

/** A reported image whose inventory has its packages completed (completeInventory). */
type CompleteImage = Omit<ReportedImage, 'inventory'> & { inventory: InventoryDocument | undefined };

export interface LocalImageSettings {
  /** How long a requested report may take before the images waiting for it fail. */
  reportTimeoutMs: number;
  /** An agent silent this long is offline: it is not asked, its images fail at once. */
  offlineAfterMs: number;
}

/** A local image as ListImageLocal shows it. */
export interface LocalImageRow {
  asset: ImageAsset;
  refs: LocalRefSummary;
  /** Null until the image's inventory was matched. */
  totals: ImageVulTotals | null;
  componentNum: number;
}

/** Local-image filter fields of a request (the asset filter minus what the service sets). */
export type LocalImageQuery = Omit<ImageAssetFilter, 'projectId' | 'imageType' | 'enterpriseProjectIds'>;

export interface BatchScanSelection {
  operateAll: boolean;
  images: Array<{ imageName?: string; imageVersion?: string; imageId?: string; imageDigest?: string }>;
  filter: LocalImageQuery;
}

const SWR_REGISTRY = /^swr\.[a-z0-9-]+\.myhuaweicloud\.(com|eu|cn)(:\d+)?$/i;

/** `swr_image` when the name's registry part is a Huawei Cloud SWR endpoint. */
export function localImageTypeOf(imageName: string): LocalImageType {
  const slash = imageName.indexOf('/');
  const registry = slash > 0 ? imageName.slice(0, slash) : '';
  return SWR_REGISTRY.test(registry) ? 'swr_image' : 'other_image';
}

export const naturalKeyOf = (name: string, version: string, digest: string) => `${name}:${version}@${digest}`;

/**
 * Local images: what agents report about the images on their hosts, and
 * local image scans, which ask those agents for a fresh report. One asset
 * per (name, version, digest) and project, shared by every host holding it;
 * where it is lives in image_local_refs. Matching is ImageContentService's.
 */
export class LocalImageService {
  private readonly events = new EventEmitter();
  /** content hash of stored inventories, by project, digest and inventory time, so unchanged images are not decoded again. */
  private readonly knownHashes = new Map<string, string>();

  constructor(
    private readonly assets: ImageAssetRepository,
    private readonly refs: ImageLocalRefRepository,
    private readonly contents: ImageContentRepository,
    private readonly imageContents: ImageContentService,
    private readonly agents: AgentService,
    private readonly commands: AgentCommandRepository,
    private readonly hosts: HostRepository,
    private readonly settings: LocalImageSettings,
    private readonly now: () => number,
  ) {
    this.events.setMaxListeners(0);
  }

  /** Told after each applied report, with the host and the asset ids it holds. */
  onReport(listener: (hostId: string, assetIds: string[]) => void): void {
    this.events.on('report', listener);
  }

  /**
   * Applies a host's complete image list: assets upserted, the host's refs
   * replaced, images no host holds any more marked removed, new contents
   * matched. Validation happens first; a bad report changes nothing, and so
   * does one naming an inventory the server lacks (answered with `needed`).
   */
  async report(host: Host, sent: ReceivedImageReport): Promise<ImageReportAccepted> {
    // Packages get the defaults of their package manager first: the content hash is of the inventory as stored.
    const report = { ...sent, images: sent.images.map((i): CompleteImage => (i.inventory ? { ...i, inventory: completeInventory(i.inventory) } : { ...i, inventory: undefined })) };
    this.check(report);
    const needed: string[] = [];
    const known = new Map<string, boolean>();
    for (const image of report.images) {
      const held = await this.holds(host.projectId, image.image_digest, image.content_hash);
      known.set(image.image_digest, held);
      if (!held && !image.inventory) needed.push(image.image_digest);
    }
    if (needed.length > 0) return { applied: false, needed, images: report.images.length };

    const now = this.now();
    const drafts: ImageAssetDraft[] = [];
    const imageOf = new Map<string, CompleteImage>();
    for (const image of report.images) {
      for (const tag of image.repo_tags) {
        const key = naturalKeyOf(tag.name, tag.version, image.image_digest);
        if (imageOf.has(key)) continue;
        imageOf.set(key, image);
        drafts.push({
          projectId: host.projectId,
          enterpriseProjectId: host.enterpriseProjectId,
          imageType: 'local',
          naturalKey: key,
          registryId: null,
          registryName: '',
          registryType: '',
          namespace: '',
          imageName: tag.name,
          imageVersion: tag.version,
          imageDigest: image.image_digest,
          imageId: image.image_id,
          imageSize: image.size,
          latestUpdateTime: image.created ?? now,
          localImageType: localImageTypeOf(tag.name),
        });
      }
    }
    const assets = await this.assets.upsert(drafts, now);

    // Where the images are is written first, so a list read while the report is matched already shows their hosts.
    const rows = new Map<string, ImageLocalRef>();
    const base = { project_id: host.projectId, host_id: host.id, host_name: host.hostName, host_ip: host.privateIp, agent_id: host.agentId, reported_at: now };
    for (const asset of assets) {
      const image = imageOf.get(naturalKeyOf(asset.imageName, asset.imageVersion, asset.imageDigest ?? ''))!;
      const add = (row: ImageLocalRef) => rows.set(`${row.image_asset_id}\u0000${row.container_id}`, row);
      add({ ...base, image_asset_id: asset.id, container_id: '', container_name: '', pod_id: '', pod_name: '', cluster_id: '' });
      for (const c of image.containers) add({ ...base, image_asset_id: asset.id, container_id: c.id, container_name: c.name, pod_id: c.pod_id, pod_name: c.pod_name, cluster_id: c.cluster_id });
    }
    await this.refs.replaceForHost(host.projectId, host.id, [...rows.values()]);
    // Images a scan waits for are matched again even when unchanged: the scan's result is a fresh match, dated now.
    const waiting = new Set(assets.filter((a) => a.scanStatus === 'waiting_for_scan').map((a) => a.imageDigest));
    for (const image of report.images) {
      if (image.inventory && !known.get(image.image_digest)) {
        await this.imageContents.record(host.projectId, image.image_digest, image.image_id, image.inventory, 'agent', now);
      } else if (waiting.has(image.image_digest)) {
        const document = await this.contents.document(host.projectId, image.image_digest);
        if (document) await this.imageContents.record(host.projectId, image.image_digest, image.image_id, decodeInventory(document), 'agent', now);
      }
    }
    // A fresh report is a finished scan of every image in it: their vulnerabilities are those of the stored content.
    const rescanned = assets.filter((a) => a.scanStatus !== 'success').map((a) => a.id);
    await this.assets.setScanStatus(host.projectId, rescanned, 'success', '', now, true);

    await this.assets.markRemoved({ projectId: host.projectId, imageType: 'local' }, await this.refs.heldAssetIds(host.projectId), now);
    await this.commands.markDeliveredDone(host.id, 'images', now);
    if (report.command_id) await this.commands.markDone(host.id, report.command_id, now);
    this.events.emit(
      'report',
      host.id,
      assets.map((a) => a.id),
    );
    return { applied: true, needed: [], images: report.images.length };
  }

  async list(projectId: string, enterpriseProjectIds: string[] | null, query: LocalImageQuery, page: { offset: number; limit: number }): Promise<{ total: number; rows: LocalImageRow[] }> {
    const { total, assets } = await this.assets.list({ ...query, projectId, imageType: 'local', enterpriseProjectIds }, page);
    const refs = await this.refs.summaries(
      projectId,
      assets.map((a) => a.id),
    );
    const rows: LocalImageRow[] = [];
    for (const asset of assets) {
      const summary = asset.imageDigest ? await this.contents.summary(projectId, asset.imageDigest) : null;
      rows.push({
        asset,
        refs: refs.get(asset.id) ?? { hostNum: 0, containerNum: 0, host: null },
        totals: summary ? totalsOf(summary) : null,
        componentNum: summary?.package_count ?? 0,
      });
    }
    return { total, rows };
  }

  /** BatchScanLocalImage: the selected images' hosts are asked for a fresh report. */
  async batchScan(projectId: string, enterpriseProjectIds: string[] | null, selection: BatchScanSelection): Promise<{ requested: string[]; failed: Array<{ assetId: string; reason: string }> }> {
    const base = { projectId, imageType: 'local' as const, enterpriseProjectIds };
    let ids: string[];
    if (selection.operateAll) {
      ids = await this.assets.ids({ ...selection.filter, ...base });
    } else {
      if (selection.images.length === 0) throw invalidParameter('image_info_list', 'Invalid parameter: image_info_list is empty and operate_all is not true');
      const chosen = new Set<string>();
      for (const want of selection.images) {
        const candidates = await this.assets.ids({ ...base, ...(want.imageName ? { imageName: want.imageName } : {}), ...(want.imageDigest ? { imageDigest: want.imageDigest } : {}) });
        for (const asset of await this.assets.getMany(projectId, candidates)) {
          if (want.imageName !== undefined && asset.imageName !== want.imageName) continue;
          if (want.imageVersion !== undefined && asset.imageVersion !== want.imageVersion) continue;
          if (want.imageId !== undefined && asset.imageId !== want.imageId) continue;
          chosen.add(asset.id);
        }
      }
      ids = [...chosen];
    }
    return this.requestReports(projectId, ids);
  }

  /**
   * For image scan tasks: asks every online agent holding one of the assets
   * for a fresh report; those assets wait (`waiting_for_scan`) and become
   * `success` when a report with them arrives, or `failed` after
   * images.localReportTimeoutSeconds. Assets no online agent holds fail now.
   */
  async requestReports(projectId: string, assetIds: readonly string[]): Promise<{ requested: string[]; failed: Array<{ assetId: string; reason: string }> }> {
    const now = this.now();
    const holders = await this.refs.hostsOf(projectId, assetIds);
    const hostIds = [...new Set([...holders.values()].flat())];
    const online = new Set((await this.hosts.findMany(projectId, { hostIds })).filter((h) => now - h.lastSeenAt <= this.settings.offlineAfterMs).map((h) => h.id));
    const requested: string[] = [];
    const failed: Array<{ assetId: string; reason: string }> = [];
    for (const id of assetIds) {
      const on = holders.get(id) ?? [];
      if (on.some((h) => online.has(h))) requested.push(id);
      else failed.push({ assetId: id, reason: on.length === 0 ? 'no host holds this image any more' : 'the agents of the hosts holding this image are offline' });
    }
    for (const hostId of online) if (requested.some((id) => holders.get(id)?.includes(hostId))) await this.agents.issueCommand(hostId, 'images');
    await this.assets.setScanStatus(projectId, requested, 'waiting_for_scan', '', now);
    for (const reason of new Set(failed.map((f) => f.reason))) {
      await this.assets.setScanStatus(
        projectId,
        failed.filter((f) => f.reason === reason).map((f) => f.assetId),
        'failed',
        reason,
        now,
      );
    }
    return { requested, failed };
  }

  /** The assets a host reported at or after `since` (epoch ms): their scan is done. */
  async reportsArrivedSince(projectId: string, assetIds: readonly string[], since: number): Promise<Set<string>> {
    return this.refs.reportedSince(projectId, assetIds, since);
  }

  /**
   * Fails what waits for agents that went offline or did not answer within
   * the timeout, and gives their commands up. Returns how many assets failed.
   */
  async expireReports(): Promise<number> {
    const now = this.now();
    const open = await this.commands.openOfType('images');
    if (open.length === 0) return 0;
    const byHost = new Map<string, string[]>();
    for (const c of open) byHost.set(c.hostId, [...(byHost.get(c.hostId) ?? []), c.id]);
    let failed = 0;
    for (const [hostId, ids] of byHost) {
      const oldest = open.find((c) => c.hostId === hostId)!.createdAt;
      const host = open.find((c) => c.hostId === hostId)!.host;
      const offline = !host || now - host.lastSeenAt > this.settings.offlineAfterMs;
      const late = now - oldest > this.settings.reportTimeoutMs;
      if (!offline && !late) continue;
      await this.commands.giveUp(ids, now);
      if (!host) continue;
      const waiting = await this.refs.assetsOnHosts(host.projectId, [hostId], 'waiting_for_scan' satisfies ImageScanStatus);
      const reason = offline
        ? `the agent of host ${host.hostName} went offline before reporting its images`
        : `the agent of host ${host.hostName} did not report its images within ${Math.round(this.settings.reportTimeoutMs / 1000)} s`;
      await this.assets.setScanStatus(host.projectId, waiting, 'failed', reason, now);
      failed += waiting.length;
    }
    return failed;
  }

  private check(report: { images: CompleteImage[] }): void {
    const ids = new Set<string>();
    const digests = new Set<string>();
    report.images.forEach((image, i) => {
      if (ids.has(image.image_id)) throw invalidParameter('images', `Invalid parameter: images[${i}].image_id ${image.image_id} is listed twice`);
      if (digests.has(image.image_digest)) throw invalidParameter('images', `Invalid parameter: images[${i}].image_digest ${image.image_digest} is listed twice`);
      ids.add(image.image_id);
      digests.add(image.image_digest);
      if (image.repo_tags.length === 0) throw invalidParameter('images', `Invalid parameter: images[${i}].repo_tags is empty (an untagged image is <none>:<none>)`);
      if (image.inventory && imageContentHash(image.inventory) !== image.content_hash) {
        throw invalidParameter('images', `Invalid parameter: images[${i}].content_hash does not match its inventory`);
      }
    });
  }

  /** Whether the stored content of `digest` is the inventory with this hash. */
  private async holds(projectId: string, digest: string, hash: string): Promise<boolean> {
    const summary = await this.contents.summary(projectId, digest);
    if (!summary) return false;
    const key = `${projectId}\u0000${digest}\u0000${summary.inventory_at}\u0000${summary.package_count}`;
    let stored = this.knownHashes.get(key);
    if (stored === undefined) {
      const document = await this.contents.document(projectId, digest);
      if (!document) return false;
      stored = inventoryHash(decodeInventory(document));
      if (this.knownHashes.size >= 10_000) this.knownHashes.clear();
      this.knownHashes.set(key, stored);
    }
    return stored === hash;
  }
}
