import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import type { Inventory } from '../inventory/layers.js';

export interface ReportTarget {
  /** The openhss server, e.g. https://openhss.example.com. */
  url: string;
  projectId: string;
  /** An X-Auth-Token (from `openhss token` or POST /v3/auth/tokens). */
  token: string;
}

export interface ReportedImage {
  id: number;
  vul_num: number;
}

/**
 * Sends a pipeline-scanned image's inventory (never the image) to an openhss
 * server, which records it as a `cicd` image asset and matches it.
 */
export async function reportImage(target: ReportTarget, image: { name: string; digest: string }, inventory: Inventory, scannedAt: number): Promise<ReportedImage> {
  let base: URL;
  try {
    base = new URL(target.url);
  } catch {
    throw new Error(`--report-to: ${target.url} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('--report-to: use an http:// or https:// URL');
  const url = new URL(`${base.pathname.replace(/\/$/, '')}/v5/${encodeURIComponent(target.projectId)}/image/cicd/reports`, base);
  const body = gzipSync(JSON.stringify({ image_name: image.name, image_digest: image.digest, scanned_at: scannedAt, os: inventory.os ?? null, packages: inventory.packages }));
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-auth-token': target.token },
    body,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    let detail = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error_code?: string; error_msg?: string };
      if (parsed.error_msg) detail = `${parsed.error_code ?? ''} ${parsed.error_msg}`.trim();
    } catch {
      // not JSON: the raw text says what went wrong
    }
    throw new Error(`--report-to: the server answered ${response.statusCode}: ${detail}`);
  }
  return JSON.parse(text) as ReportedImage;
}
