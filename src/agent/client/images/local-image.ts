import type { InventoryDocument, LocalImageSource, ReportedContainer } from '../../protocol.js';

/** An image found on the host, with its inventory made there. */
export interface LocalImage {
  imageId: string;
  imageDigest: string;
  tags: Array<{ name: string; version: string }>;
  size: number;
  created: number | null;
  source: LocalImageSource;
  containers: ReportedContainer[];
  inventory: InventoryDocument;
}

/** What one source found: its images, and what went wrong without stopping the others. */
export interface SourceResult {
  images: LocalImage[];
  warnings: string[];
  /** Set when the source exists but could not be listed: its images are unknown, not gone. */
  failed?: boolean;
}
