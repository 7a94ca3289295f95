import { invalidParameter, notFound } from '../../domain/errors.js';
import type { ImageAsset, ImageSource } from '../../domain/image.js';
import type { ImageAssetFilter, ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import type { ImageVulFilter, ImageVulListRepository } from '../../repositories/image-vul-list-repository.js';

/** An image as a route names it: our numeric id, or its image id / digest (sha256:…). */
export type ImageRef = string;

/**
 * The vulnerabilities of images (HSS ListImageVulnerabilities), the images
 * a vulnerability is in, and their handling. Rows live per image digest, so
 * every tag, registry and host with the same digest shows the same rows.
 */
export class ImageVulService {
  constructor(
    private readonly assets: ImageAssetRepository,
    private readonly vuls: ImageVulListRepository,
    private readonly now: () => number,
  ) {}

  /**
   * The image a route names: its `id` from the lists, or its digest or image
   * id (sha256:…). A digest is looked for first as a digest, then as an image
   * id, within `imageType` when given. One that names images of more than
   * one type (a `docker save` tarball and a registry tag of the same image)
   * is refused, naming `image_type`: local and registry rows never mix.
   */
  async resolve(projectId: string, enterpriseProjectIds: string[] | null, ref: ImageRef, imageType?: ImageSource): Promise<ImageAsset> {
    let asset: ImageAsset | null = null;
    if (/^[0-9]{1,16}$/.test(ref)) {
      asset = await this.assets.get(projectId, ref);
    } else if (/^sha256:[0-9a-f]{64}$/.test(ref)) {
      const types = imageType ? [imageType] : (['registry', 'local', 'cicd'] as const);
      for (const key of ['imageDigest', 'imageId'] as const) {
        const found: ImageAsset[] = [];
        for (const type of types) {
          const base: ImageAssetFilter = { projectId, enterpriseProjectIds, imageType: type };
          const first = (await this.assets.list({ ...base, [key]: ref }, { offset: 0, limit: 1 })).assets[0];
          if (first) found.push(first);
        }
        if (found.length > 1) {
          throw invalidParameter('image_type', `image ${ref} names ${found.map((a) => `a ${a.imageType} image`).join(' and ')}; give image_type, or the image's id from its list`);
        }
        asset = found[0] ?? null;
        if (asset) break;
      }
    } else {
      throw invalidParameter('image_id', 'image_id must be an image id from the image lists or an image digest (sha256:…)');
    }
    if (!asset || (imageType && asset.imageType !== imageType) || (enterpriseProjectIds && !enterpriseProjectIds.includes(asset.enterpriseProjectId))) {
      throw notFound(`image ${ref} not found`);
    }
    return asset;
  }

  async forImage(projectId: string, enterpriseProjectIds: string[] | null, ref: ImageRef, imageType: ImageSource | undefined, filter: ImageVulFilter, page: { offset: number; limit: number }) {
    const asset = await this.resolve(projectId, enterpriseProjectIds, ref, imageType);
    if (!asset.imageDigest) return { asset, total: 0, rows: [] };
    return { asset, ...(await this.vuls.forDigest(projectId, asset.imageDigest, filter, page)) };
  }

  async imagesWith(vulId: string, assets: ImageAssetFilter, filter: ImageVulFilter, page: { offset: number; limit: number }) {
    return this.vuls.imagesWith(vulId, assets, filter, page);
  }

  /** Marks vulnerabilities of the named images handled (ignored, accepted) or unhandled again. */
  async setHandleStatus(projectId: string, enterpriseProjectIds: string[] | null, imageRefs: readonly ImageRef[], vulIds: readonly string[], status: 'unhandled' | 'handled'): Promise<number> {
    const digests = new Set<string>();
    for (const ref of imageRefs) {
      const asset = await this.resolve(projectId, enterpriseProjectIds, ref);
      if (asset.imageDigest) digests.add(asset.imageDigest);
    }
    return this.vuls.setHandleStatus(projectId, [...digests], vulIds, status, this.now());
  }
}
