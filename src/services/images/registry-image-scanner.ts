import type { InventoryDocument } from '../../agent/protocol.js';
import type { ImageAsset, ImageScanStatus } from '../../domain/image.js';
import { analyzers } from '../../inventory/registry.js';
import { scanLayers } from '../../scan/inventory-scan.js';
import type { LayerCache } from '../../scan/layer-cache.js';
import { DecompressionLimitError } from '../../sources/layers/decompress.js';
import { LayerReadError } from '../../sources/layers/walk-layer.js';
import { createRegistryAgent, DEFAULT_TIMEOUTS, RegistryClient, RegistryError, type RegistryHostOptions } from '../../sources/registry/index.js';

/** How to reach the registry an asset came from. */
export interface RegistryConnection {
  /** The registry part of references: host[:port]. */
  host: string;
  options: RegistryHostOptions;
  skipTlsVerify: boolean;
}

export interface RegistryAccess {
  /** null when the registry is gone (deleted since the sync). */
  connectionFor(projectId: string, registryId: string): Promise<RegistryConnection | null>;
}

export interface ScannedImage {
  digest: string;
  imageId: string;
  size: number;
  inventory: InventoryDocument;
  layers: { total: number; cached: number };
}

/** Why an image could not be scanned, as the scan status users see. */
export class ImageScanFailure extends Error {
  constructor(
    readonly status: Exclude<ImageScanStatus, 'success' | 'unscan' | 'waiting_for_scan' | 'scanning'>,
    message: string,
  ) {
    super(message);
  }
}

// Problems reaching or reading the registry are download failures; wrong or hostile content is a failed scan.
const DOWNLOAD_CODES = new Set(['unauthorized', 'denied', 'not-found', 'timeout', 'network', 'http', 'no-matching-platform', 'invalid-reference']);

export function classifyScanError(err: unknown): ImageScanFailure {
  if (err instanceof ImageScanFailure) return err;
  if (err instanceof RegistryError) return new ImageScanFailure(DOWNLOAD_CODES.has(err.code) ? 'download_failed' : 'failed', err.message);
  if (err instanceof LayerReadError || err instanceof DecompressionLimitError) return new ImageScanFailure('failed', err.message);
  return new ImageScanFailure('failed', (err as Error)?.message ?? String(err));
}

export const repositoryOf = (asset: Pick<ImageAsset, 'namespace' | 'imageName'>) => (asset.namespace ? `${asset.namespace}/${asset.imageName}` : asset.imageName);

/**
 * Pulls a registry image (manifest, config, then only the layers the layer
 * cache lacks), refusing images over the size limit before any layer is
 * fetched, and analyses it into an inventory.
 */
export class RegistryImageScanner {
  /** What this process's scans pulled and reused, for metrics and benchmarks. */
  readonly stats = { images: 0, layers: 0, cachedLayers: 0 };

  constructor(
    private readonly cache: LayerCache,
    private readonly maxImageSizeBytes: number,
    private readonly layerConcurrency = 3,
  ) {}

  get maxBytes(): number {
    return this.maxImageSizeBytes;
  }

  async scan(asset: ImageAsset, connection: RegistryConnection, signal?: AbortSignal): Promise<ScannedImage> {
    const dispatcher = connection.skipTlsVerify ? createRegistryAgent(DEFAULT_TIMEOUTS, { connect: { timeout: DEFAULT_TIMEOUTS.connectMs, rejectUnauthorized: false } }) : undefined;
    const client = new RegistryClient({ hosts: { [connection.host]: connection.options }, ...(dispatcher ? { dispatcher } : {}) });
    try {
      const reference = `${connection.host}/${repositoryOf(asset)}:${asset.imageVersion}`;
      const resolved = await client.resolve(reference, signal ? { signal } : {});
      const size = resolved.config.size + resolved.layers.reduce((sum, l) => sum + l.size, 0);
      if (size > this.maxImageSizeBytes) {
        throw new ImageScanFailure('image_oversized', `image is ${size} bytes, over the ${this.maxImageSizeBytes}-byte limit (images.maxImageSizeBytes)`);
      }
      const location = { registry: resolved.registry, repository: resolved.repository };
      const layers = resolved.layers.map((descriptor) => ({
        digest: descriptor.digest,
        size: descriptor.size,
        open: () => client.openBlob(location, descriptor, signal ? { signal } : {}),
      }));
      const result = await scanLayers(layers, { analyzers, cache: this.cache, concurrency: this.layerConcurrency });
      const cached = result.layers.filter((l) => l.cached).length;
      this.stats.images++;
      this.stats.layers += result.layers.length;
      this.stats.cachedLayers += cached;
      return {
        digest: resolved.digest,
        imageId: resolved.config.digest,
        size,
        inventory: { os: result.inventory.os ?? null, packages: result.inventory.packages },
        layers: { total: result.layers.length, cached },
      };
    } finally {
      await client.close();
      await dispatcher?.close();
    }
  }
}
