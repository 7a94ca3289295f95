import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { dockerArchiveImage } from '../../../sources/archive/index.js';
import type { LocalImageSource } from '../../protocol.js';
import type { ImageAnalyser } from './analyse-image.js';
import { EngineApi, EngineUnreachableError } from './engine-api.js';
import { containerOf, normalizeImageId, repoDigestOf, splitRepoTag, UNTAGGED } from './image-names.js';
import type { LocalImage, SourceResult } from './local-image.js';

export interface EngineSourceOptions {
  source: Exclude<LocalImageSource, 'dir'>;
  socketPath: string;
  analyser: ImageAnalyser;
  /** Where `docker save` exports are written while they are analysed (removed after). */
  workDir: string;
  signal?: AbortSignal;
}

/**
 * The images of a Docker or Podman engine, through its API socket: the
 * image list, the containers (with their pods) of each image, and for an
 * image not analysed before, a `docker save` export analysed on the spot
 * and deleted. An engine that cannot be reached is a warning.
 */
export async function engineImages(options: EngineSourceOptions): Promise<SourceResult> {
  const { source, socketPath } = options;
  const exists = await stat(socketPath).then(
    () => true,
    () => false,
  );
  if (!exists) return { images: [], warnings: [`${source}: no API socket at ${socketPath}; its images are not reported`] };
  const api = new EngineApi(socketPath);
  try {
    let listed;
    let containers;
    try {
      [listed, containers] = await Promise.all([api.images(), api.containers()]);
    } catch (err) {
      const reason = err instanceof EngineUnreachableError ? 'cannot reach the engine' : 'the engine answered badly';
      return { images: [], warnings: [`${source}: ${reason} (${(err as Error).message}); its images are not reported`], failed: true };
    }
    const images: LocalImage[] = [];
    const warnings: string[] = [];
    for (const item of listed) {
      if (options.signal?.aborted) break;
      const imageId = normalizeImageId(item.Id);
      const repo = repoDigestOf(item.RepoDigests);
      const tags = (item.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map(splitRepoTag);
      if (tags.length === 0) tags.push(repo ? { name: repo.name, version: '<none>' } : { ...UNTAGGED });
      try {
        const inventory = (await options.analyser.cached(imageId)) ?? (await exportAndAnalyse(api, imageId, options));
        images.push({
          imageId,
          imageDigest: repo?.digest ?? imageId,
          tags,
          size: Number.isFinite(item.Size) ? Math.max(0, Math.round(item.Size)) : 0,
          created: Number.isFinite(item.Created) && item.Created > 0 ? item.Created * 1000 : null,
          source,
          containers: containers.filter((c) => normalizeImageId(c.ImageID) === imageId).map(containerOf),
          inventory,
        });
      } catch (err) {
        warnings.push(`${source}: image ${imageId} (${tags.map((t) => `${t.name}:${t.version}`).join(', ')}) could not be analysed: ${(err as Error).message}`);
      }
    }
    return { images, warnings };
  } finally {
    await api.close();
  }
}

async function exportAndAnalyse(api: EngineApi, imageId: string, options: EngineSourceOptions) {
  await mkdir(options.workDir, { recursive: true, mode: 0o700 });
  const file = join(options.workDir, `${randomUUID()}.tar`);
  try {
    await api.saveImage(imageId, file, options.signal);
    const inventory = await options.analyser.analyse(await dockerArchiveImage(file));
    await options.analyser.remember(imageId, inventory);
    return inventory;
  } finally {
    await rm(file, { force: true });
  }
}
