import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { analyzers } from '../../../inventory/registry.js';
import { scanLayers } from '../../../scan/inventory-scan.js';
import { analyzerSetKey, FileLayerCache } from '../../../scan/layer-cache.js';
import type { ArchiveImage } from '../../../sources/archive/index.js';
import type { InventoryDocument } from '../../protocol.js';

const IMAGE_ID = /^sha256:([0-9a-f]{64})$/;

/**
 * Turns images into inventories on the host, with the scan engine `openhss
 * scan` uses. Layer analyses are cached under the state dir, and so is each
 * image's inventory, keyed by its image id (a content address) and the
 * analyzer set: an engine image is exported only the first time it is seen.
 */
export class ImageAnalyser {
  private readonly layers: FileLayerCache;
  private readonly inventories: string;
  private readonly key = analyzerSetKey(analyzers);

  constructor(stateDir: string) {
    this.layers = new FileLayerCache(join(stateDir, 'layer-cache'), analyzers);
    this.inventories = join(stateDir, 'image-inventories');
  }

  async analyse(image: ArchiveImage): Promise<InventoryDocument> {
    const { inventory } = await scanLayers(image.layers, { analyzers, cache: this.layers, concurrency: 1 });
    return { os: inventory.os ?? null, packages: inventory.packages };
  }

  async cached(imageId: string): Promise<InventoryDocument | undefined> {
    const path = this.path(imageId);
    if (!path) return undefined;
    try {
      return JSON.parse(gunzipSync(await readFile(path)).toString('utf8')) as InventoryDocument;
    } catch {
      return undefined;
    }
  }

  async remember(imageId: string, document: InventoryDocument): Promise<void> {
    const path = this.path(imageId);
    if (!path) return;
    await mkdir(this.inventories, { recursive: true });
    const temp = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, gzipSync(JSON.stringify(document)));
      await rename(temp, path);
    } catch {
      await unlink(temp).catch(() => undefined);
    }
  }

  private path(imageId: string): string | undefined {
    const hex = IMAGE_ID.exec(imageId)?.[1];
    return hex ? join(this.inventories, `${hex}-${this.key}.json.gz`) : undefined;
  }
}
