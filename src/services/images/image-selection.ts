import { invalidParameter, notFound } from '../../domain/errors.js';
import type { ImageAsset, ImageScanStatus, ImageSource, LocalImageType, QueryImageType } from '../../domain/image.js';
import type { ImageAssetFilter, ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import { registryTypesFor } from './image-type-mapping.js';

/** HSS `query_info`: the list filters an `is_all` selection applies. */
export interface ImageQueryInfo {
  local_image_type?: LocalImageType;
  /** Registry images of the registry with this name (exact). */
  registry_name?: string;
  /** openhss: registry images of this registry. */
  registry_id?: string;
  host_id?: string;
  host_name?: string;
  public_ip?: string;
  private_ip?: string;
  cluster_id?: string;
  container_id?: string;
  container_name?: string;
  pod_id?: string;
  pod_name?: string;
  app_name?: string;
  has_vul?: boolean;
  /** ListImageLocal: the host's IP, private or public. */
  host_ip?: string;
  /** Exports: images with (or without) containers. */
  has_container?: boolean;
  namespace?: string;
  image_name?: string;
  image_version?: string;
  image_type?: QueryImageType;
  scan_status?: ImageScanStatus;
  image_size?: number;
  start_latest_update_time?: number;
  end_latest_update_time?: number;
  start_latest_scan_time?: number;
  end_latest_scan_time?: number;
}

/** HSS `image_info[]`: one named image. */
export interface ImageInfoRef {
  id?: number | string;
  image_id?: string;
  image_digest?: string;
  registry_id?: string;
  registry_name?: string;
  image_name?: string;
  image_version?: string;
  namespace?: string;
  instance_id?: string;
  instance_url?: string;
  registry_type?: string;
}

const range = (from?: number, to?: number) => (from === undefined && to === undefined ? undefined : { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });

/** The conditions of an image asset filter, as the HSS image lists, scan tasks and exports name them. */
export type ImageConditions = Omit<ImageAssetFilter, 'projectId' | 'enterpriseProjectIds' | 'imageType'>;

/**
 * The one mapping from HSS's image filter fields (list query strings,
 * `query_info`, export bodies) to asset filter conditions: a list, an
 * `is_all` scan and an export with the same fields select the same images.
 */
export function conditionsOf(q: ImageQueryInfo = {}): ImageConditions {
  const filter: ImageConditions = {};
  const set = <K extends keyof ImageConditions>(key: K, value: ImageConditions[K] | undefined) => {
    if (value !== undefined && value !== '') filter[key] = value;
  };
  set('localImageType', q.local_image_type);
  set('registryName', q.registry_name);
  set('registryId', q.registry_id);
  set('hostId', q.host_id);
  set('hostName', q.host_name);
  set('hostIp', q.host_ip ?? q.private_ip ?? q.public_ip);
  set('clusterId', q.cluster_id);
  set('containerId', q.container_id);
  set('containerName', q.container_name);
  set('podId', q.pod_id);
  set('podName', q.pod_name);
  set('appName', q.app_name);
  set('hasVul', q.has_vul);
  set('hasContainer', q.has_container);
  set('namespace', q.namespace);
  set('imageName', q.image_name);
  set('imageVersion', q.image_version);
  if (q.image_type) filter.registryTypes = registryTypesFor(q.image_type);
  set('scanStatus', q.scan_status);
  set('minImageSize', q.image_size);
  set('latestUpdateTime', range(q.start_latest_update_time, q.end_latest_update_time));
  set('latestScanTime', range(q.start_latest_scan_time, q.end_latest_scan_time));
  return filter;
}

/** The asset filter a `query_info` stands for: the same one the list routes build from their query strings. */
export function filterFromQueryInfo(projectId: string, enterpriseProjectIds: string[] | null, imageType: ImageSource, q: ImageQueryInfo = {}): ImageAssetFilter {
  return { projectId, enterpriseProjectIds, imageType, ...conditionsOf(q) };
}

function describe(ref: ImageInfoRef): string {
  if (ref.id !== undefined) return `id ${ref.id}`;
  const name = [ref.namespace, ref.image_name].filter(Boolean).join('/');
  return `${name || ref.image_id || ref.image_digest || '(unnamed)'}${ref.image_version ? `:${ref.image_version}` : ''}`;
}

/**
 * The assets `image_info` names, in the request's order. Each entry is
 * found by `id`, or by what it gives of registry, namespace, name, version,
 * image id and digest; one that matches nothing in the caller's project is
 * a 404 naming it (an image of another project is not found either).
 */
export async function resolveImageInfo(assets: ImageAssetRepository, projectId: string, enterpriseProjectIds: string[] | null, imageType: ImageSource, refs: readonly ImageInfoRef[]): Promise<ImageAsset[]> {
  const found = new Map<string, ImageAsset>();
  for (const [i, ref] of refs.entries()) {
    let matches: ImageAsset[];
    if (ref.id !== undefined) {
      const asset = await assets.get(projectId, String(ref.id));
      matches = asset && asset.imageType === imageType && asset.removedAt === null && (!enterpriseProjectIds || enterpriseProjectIds.includes(asset.enterpriseProjectId)) ? [asset] : [];
    } else {
      if (!ref.image_name && !ref.image_id && !ref.image_digest) throw invalidParameter(`image_info[${i}]`, `image_info[${i}] names no image: give id, image_name (with image_version) or image_id`);
      const filter: ImageAssetFilter = { projectId, enterpriseProjectIds, imageType };
      if (ref.registry_id) filter.registryId = ref.registry_id;
      if (ref.image_digest) filter.imageDigest = ref.image_digest;
      const { assets: candidates } = await assets.list({ ...filter, ...(ref.image_name ? { imageName: ref.image_name } : {}) }, { offset: 0, limit: 10_000 });
      // The list filter matches substrings; a named image must match exactly.
      matches = candidates.filter(
        (a) =>
          (!ref.image_name || a.imageName === ref.image_name) &&
          (!ref.image_version || a.imageVersion === ref.image_version) &&
          (ref.namespace === undefined || a.namespace === ref.namespace) &&
          (!ref.registry_name || a.registryName === ref.registry_name) &&
          (!ref.image_id || a.imageId === ref.image_id),
      );
    }
    if (matches.length === 0) throw notFound(`image_info[${i}]: image ${describe(ref)} not found`);
    for (const m of matches) found.set(m.id, m);
  }
  return [...found.values()];
}
