import type { LayerSource } from '../../scan/inventory-scan.js';

/** An image ready to scan, from wherever it came: its identity and its layers in order. */
export interface ImageArtifact {
  /** As the user named it, normalised (registry/repo:tag). */
  name: string;
  /** The manifest digest: what identifies this exact image. */
  digest: string;
  platform?: string;
  layers: LayerSource[];
}
