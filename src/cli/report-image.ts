import type { Inventory } from '../inventory/layers.js';
import { postToServer, type ServerTarget } from './server-client.js';

export interface ReportedImage {
  id: number;
  vul_num: number;
}

/**
 * Sends a pipeline-scanned image's inventory (never the image) to an openhss
 * server, which records it as a `cicd` image asset and matches it.
 */
export async function reportImage(target: ServerTarget, image: { name: string; digest: string }, inventory: Inventory, scannedAt: number): Promise<ReportedImage> {
  return postToServer<ReportedImage>(target, '/image/cicd/reports', { image_name: image.name, image_digest: image.digest, scanned_at: scannedAt, os: inventory.os ?? null, packages: inventory.packages }, { compress: true });
}
