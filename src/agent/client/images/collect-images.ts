import { join } from 'node:path';
import { imageContentHash } from '../../image-content-hash.js';
import type { ReportedImage } from '../../protocol.js';
import { ImageAnalyser } from './analyse-image.js';
import { directoryImages } from './dir-images.js';
import { engineImages } from './engine-images.js';
import type { LocalImage, SourceResult } from './local-image.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';

export interface ImageSourcesOptions {
  /** null: not consulted. */
  dockerSocket: string | null;
  podmanSocket: string | null;
  dirs: string[];
}

export interface CollectedImages {
  /** Every image, each with its inventory inlined. */
  images: ReportedImage[];
  warnings: string[];
}

/** The same image found twice (two engines sharing a store, or also in a directory) is reported once, with every tag and container. */
function merge(images: LocalImage[]): LocalImage[] {
  const byId = new Map<string, LocalImage>();
  for (const image of images) {
    const seen = byId.get(image.imageId);
    if (!seen) {
      byId.set(image.imageId, { ...image, tags: [...image.tags], containers: [...image.containers] });
      continue;
    }
    for (const t of image.tags) if (!seen.tags.some((s) => s.name === t.name && s.version === t.version)) seen.tags.push(t);
    for (const c of image.containers) if (!seen.containers.some((s) => s.id === c.id)) seen.containers.push(c);
    if (seen.imageDigest === seen.imageId && image.imageDigest !== image.imageId) seen.imageDigest = image.imageDigest;
  }
  // An untagged entry is only a placeholder once the image has a real tag.
  for (const image of byId.values()) {
    const tagged = image.tags.filter((t) => t.name !== '<none>' || t.version !== '<none>');
    if (tagged.length > 0) image.tags = tagged;
  }
  return [...byId.values()];
}

/** Finds and analyses the host's images; nothing but their inventories is kept. */
export class ImageCollector {
  private readonly analyser: ImageAnalyser;
  /** Each engine's last complete listing, reported again while the engine fails: a hiccup must not read as "every image deleted". */
  private readonly lastGood = new Map<string, LocalImage[]>();

  constructor(
    private readonly stateDir: string,
    private readonly sources: ImageSourcesOptions,
  ) {
    this.analyser = new ImageAnalyser(stateDir);
  }

  async collect(signal?: AbortSignal): Promise<CollectedImages> {
    const found: LocalImage[] = [];
    const warnings: string[] = [];
    const take = (r: SourceResult, source?: string) => {
      warnings.push(...r.warnings);
      if (source === undefined) return void found.push(...r.images);
      if (r.failed) return void found.push(...(this.lastGood.get(source) ?? []));
      this.lastGood.set(source, r.images);
      found.push(...r.images);
    };
    const workDir = join(this.stateDir, 'image-exports');
    const engine = (source: 'docker' | 'podman', socketPath: string) => engineImages({ source, socketPath, analyser: this.analyser, workDir, ...(signal ? { signal } : {}) });
    if (this.sources.dockerSocket) take(await engine('docker', this.sources.dockerSocket), 'docker');
    if (this.sources.podmanSocket) take(await engine('podman', this.sources.podmanSocket), 'podman');
    if (this.sources.dirs.length > 0) take(await directoryImages(this.sources.dirs, this.analyser, signal));
    const images = merge(found).map(
      (i): ReportedImage => ({
        image_id: i.imageId,
        image_digest: i.imageDigest,
        repo_tags: i.tags,
        size: i.size,
        created: i.created,
        source: i.source,
        containers: i.containers,
        content_hash: imageContentHash(i.inventory),
        inventory: i.inventory,
      }),
    );
    return { images, warnings };
  }
}
