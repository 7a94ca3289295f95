import type { Kysely } from 'kysely';
import type { InventoryDocument } from '../../agent/protocol.js';
import type { DB } from '../../db/schema.js';
import { invalidParameter } from '../../domain/errors.js';
import type { ImageAsset, ImageVulTotals } from '../../domain/image.js';
import { ImageAssetRepository, type ImageAssetFilter } from '../../repositories/image-asset-repository.js';
import { ImageContentRepository } from '../../repositories/image-content-repository.js';
import { inTransaction } from '../../repositories/transaction.js';
import { parseReference } from '../../sources/registry/index.js';
import { splitRepository } from './registry-sync.js';
import type { ImageContentService } from './image-content-service.js';

/** What a pipeline reports after scanning an image with `openhss scan image --report-to`. */
export interface CicdReport {
  enterpriseProjectId: string;
  /** The image as the pipeline named it: [registry/]repository[:tag]. */
  reference: string;
  /** Manifest digest, or the config digest for an image that was never pushed. */
  imageDigest: string;
  imageId: string | null;
  imageSize: number | null;
  inventory: InventoryDocument;
  scannedAt: number;
}

export interface CicdRecorded {
  asset: ImageAsset;
  vulNum: number;
  totals: ImageVulTotals;
}

/**
 * Images reported by CI/CD pipelines. The pipeline analyses the image and
 * sends only its inventory; the server matches it like any other image, so
 * the asset's vulnerabilities follow database updates and re-scans. A
 * report is recorded whole or not at all: the asset, the inventory and its
 * vulnerabilities are written in one transaction, after matching.
 */
export class CicdImageService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly assets: ImageAssetRepository,
    private readonly contents: ImageContentService,
    private readonly now: () => number,
  ) {}

  async report(projectId: string, report: CicdReport): Promise<CicdRecorded> {
    let reference;
    try {
      reference = parseReference(report.reference);
    } catch (err) {
      throw invalidParameter('image_name', `image_name is not an image reference: ${(err as Error).message}`);
    }
    const { namespace, imageName } = splitRepository(reference.repository);
    const version = reference.tag ?? 'latest';
    const matched = this.contents.match(report.inventory);
    const now = this.now();
    return inTransaction(this.db, async (trx) => {
      const assets = new ImageAssetRepository(trx);
      const [asset] = await assets.upsert(
        [
          {
            projectId,
            enterpriseProjectId: report.enterpriseProjectId,
            imageType: 'cicd',
            naturalKey: `${reference.registry}/${reference.repository}:${version}`,
            registryId: null,
            registryName: reference.registry,
            registryType: 'Other',
            namespace,
            imageName,
            imageVersion: version,
            imageDigest: report.imageDigest,
            imageId: report.imageId,
            imageSize: report.imageSize,
            latestUpdateTime: report.scannedAt,
            localImageType: null,
          },
        ],
        now,
      );
      const at = { projectId, digest: report.imageDigest, imageId: report.imageId, source: 'cicd' as const, inventoryAt: report.scannedAt, markScanned: true };
      const recorded = await this.contents.store(matched, at, { assets, contents: new ImageContentRepository(trx) });
      const fresh = (await assets.get(projectId, asset!.id))!;
      return { asset: fresh, ...recorded };
    });
  }

  async list(filter: Omit<ImageAssetFilter, 'imageType'>, page: { offset: number; limit: number }) {
    return this.assets.list({ ...filter, imageType: 'cicd' }, page);
  }
}
