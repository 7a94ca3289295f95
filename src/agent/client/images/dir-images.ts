import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { imageFromDockerSave, imageFromLayout, LayoutDirectoryFiles, REF_NAME, TarFiles, type ArchiveFiles, type ArchiveImage } from '../../../sources/archive/index.js';
import type { ImageAnalyser } from './analyse-image.js';
import { epochOf, splitRepoTag, UNTAGGED } from './image-names.js';
import type { LocalImage, SourceResult } from './local-image.js';

const MAX_INDEX_BYTES = 4 * 1024 * 1024;

/**
 * The images in configured directories: `docker save` tarballs (`*.tar`,
 * every image of a multi-image save) and OCI image layouts (subdirectories
 * holding `oci-layout`, every tagged image of the index). Read in place.
 */
export async function directoryImages(dirs: readonly string[], analyser: ImageAnalyser, signal?: AbortSignal): Promise<SourceResult> {
  const images: LocalImage[] = [];
  const warnings: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      warnings.push(`--image-dir ${dir}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    for (const name of names) {
      if (signal?.aborted) return { images, warnings };
      const path = join(dir, name);
      try {
        const info = await stat(path);
        if (info.isFile() && name.endsWith('.tar')) images.push(...(await tarballImages(path, info.size, analyser)));
        else if (info.isDirectory() && (await stat(join(path, 'oci-layout')).then((s) => s.isFile(), () => false))) images.push(...(await layoutImages(path, analyser)));
      } catch (err) {
        warnings.push(`dir: ${path} could not be analysed: ${(err as Error).message}`);
      }
    }
  }
  return { images, warnings };
}

async function tarballImages(file: string, size: number, analyser: ImageAnalyser): Promise<LocalImage[]> {
  const files = await TarFiles.open(file, `docker-archive:${file}`);
  if (!(await files.stat('manifest.json'))) {
    // An OCI layout packed in a tar.
    return layoutImagesOf(files.relabel(`oci-archive:${file}`), basename(file, '.tar'), analyser, size);
  }
  const entries = JSON.parse((await files.read('manifest.json', MAX_INDEX_BYTES, 'manifest.json')).toString('utf8')) as Array<{ RepoTags?: unknown }>;
  const tagsOf = (e: { RepoTags?: unknown }) => (Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : []);
  // A multi-image save is read one image at a time, each chosen by its first tag.
  const picks = entries.length <= 1 ? [undefined] : entries.map((e) => tagsOf(e)[0]).filter((t): t is string => t !== undefined);
  const out: LocalImage[] = [];
  for (const tag of picks) {
    const image = await imageFromDockerSave(files, tag !== undefined ? { tag } : {});
    out.push(await toLocal(image, image.digest, image.digest, image.tags.map(splitRepoTag), size, analyser));
  }
  return out;
}

async function layoutImages(dir: string, analyser: ImageAnalyser): Promise<LocalImage[]> {
  return layoutImagesOf(new LayoutDirectoryFiles(dir), basename(dir), analyser, null);
}

async function layoutImagesOf(files: ArchiveFiles, defaultName: string, analyser: ImageAnalyser, archiveSize: number | null): Promise<LocalImage[]> {
  const index = JSON.parse((await files.read('index.json', MAX_INDEX_BYTES, 'index.json')).toString('utf8')) as { manifests?: Array<{ annotations?: Record<string, string> }> };
  const refs = (index.manifests ?? []).map((m) => m.annotations?.[REF_NAME]).filter((r): r is string => typeof r === 'string');
  const picks = refs.length === 0 ? [undefined] : [...new Set(refs)];
  const out: LocalImage[] = [];
  for (const ref of picks) {
    const image = await imageFromLayout(files, ref !== undefined ? { tag: ref } : {});
    // The image id is the config digest, named by the (already verified) manifest.
    const manifest = JSON.parse((await files.read(`blobs/sha256/${image.digest.slice('sha256:'.length)}`, MAX_INDEX_BYTES, 'manifest')).toString('utf8')) as { config?: { digest?: string } };
    const imageId = manifest.config?.digest ?? image.digest;
    const tag = ref === undefined ? { ...UNTAGGED } : ref.includes('/') || ref.includes(':') ? splitRepoTag(ref) : { name: defaultName, version: ref };
    const size = archiveSize ?? image.layers.reduce((sum, l) => sum + (l.size ?? 0), 0);
    out.push(await toLocal(image, imageId, image.digest, [tag], size, analyser));
  }
  return out;
}

async function toLocal(image: ArchiveImage, imageId: string, imageDigest: string, tags: Array<{ name: string; version: string }>, size: number, analyser: ImageAnalyser): Promise<LocalImage> {
  return {
    imageId,
    imageDigest,
    tags: tags.length > 0 ? tags : [{ ...UNTAGGED }],
    size,
    created: epochOf(image.config.created),
    source: 'dir',
    containers: [],
    inventory: await analyser.analyse(image),
  };
}
