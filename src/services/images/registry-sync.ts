import type { RegistryConnectionStatus, Registry } from '../../domain/registry.js';
import type { ImageAssetDraft, ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import type { RegistryRepository } from '../../repositories/registry-repository.js';
import { RegistryError, type RegistryClient } from '../../sources/registry/index.js';
import { connectionFailure, type RegistryConnector, type RegistryEndpoint } from './registry-connector.js';

export interface SyncOutcome {
  /** `idle`: the image list now mirrors the registry; `failed`: it was left as it was. */
  status: 'idle' | 'failed';
  connection: RegistryConnectionStatus;
  reason: string;
  /** Present images (tags) after the sync. */
  images: number;
  /** Images marked removed by this sync. */
  removed: number;
  /** Tags kept in the list but unreadable (no linux/amd64 image, unsupported manifest…), with why. */
  unreadable: Array<{ image: string; reason: string }>;
}

interface ImageFacts {
  imageId: string | null;
  imageSize: number | null;
  latestUpdateTime: number;
}

interface KnownImage {
  id: string;
  present: boolean;
  digest: string | null;
  facts: ImageFacts;
}

export interface RegistrySyncOptions {
  /** `n=` for catalog and tag list pages. */
  pageSize: number;
}

/**
 * `namespace` is the repository path before its last `/` and `image_name`
 * the last segment (`team/web/app` → `team/web`, `app`), so namespace and
 * name put back together are the repository.
 */
export function splitRepository(repository: string): { namespace: string; imageName: string } {
  const slash = repository.lastIndexOf('/');
  return slash < 0 ? { namespace: '', imageName: repository } : { namespace: repository.slice(0, slash), imageName: repository.slice(slash + 1) };
}

export const registryNaturalKey = (registryId: string, repository: string, tag: string) => `${registryId}/${repository}:${tag}`;

const inNamespace = (repository: string, namespace: string) => namespace === '' || repository === namespace || repository.startsWith(`${namespace}/`);

/**
 * Why one tag could not be read when the fault is that tag's own: its
 * manifest answers 404 (the tag list names it, the manifest is not there)
 * or an unexpected status such as 500, or is unusable. Null when the
 * registry as a whole failed (credentials refused, no answer, a stall):
 * then the sync stops and the registry gets the reason.
 */
export function tagFailureReason(error: unknown): string | null {
  if (error instanceof RegistryError && error.code === 'not-found') return `${error.message} (the tag list names it, but its manifest is not found)`;
  if (error instanceof RegistryError && error.code === 'http') return error.message;
  if (connectionFailure(error)) return null;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One sync of one registry into `image_assets`: every tag of every
 * repository under the registry's namespace becomes (or refreshes) an asset
 * with its digest, config digest and size; assets of tags no longer there
 * are marked removed. When the registry as a whole cannot be read, nothing
 * is marked removed: the registry gets the reason, and its images
 * `download_failed`.
 */
export class RegistrySync {
  constructor(
    private readonly registries: RegistryRepository,
    private readonly assets: ImageAssetRepository,
    private readonly access: RegistryConnector,
    private readonly now: () => number,
    private readonly options: RegistrySyncOptions = { pageSize: 100 },
  ) {}

  async run(registry: Registry, endpoint: RegistryEndpoint): Promise<SyncOutcome> {
    return this.access.withClient(endpoint, 'sync', async (client) => {
      try {
        await client.ping(registry.host);
        await this.registries.setConnection(registry.id, 'connected', '', this.now());
        return await this.mirror(registry, client);
      } catch (error) {
        const failure = connectionFailure(error);
        if (failure) return this.fail(registry, failure.status, failure.reason);
        // The registry answers but its catalog cannot be used (none, or malformed): nothing is known to be gone.
        if (error instanceof RegistryError) return { status: 'failed', connection: 'connected', reason: error.message, images: 0, removed: 0, unreadable: [] };
        throw error;
      }
    });
  }

  private async mirror(registry: Registry, client: RegistryClient): Promise<SyncOutcome> {
    const known = await this.knownImages(registry);
    const byDigest = new Map<string, ImageFacts>();
    for (const k of known.values()) if (k.digest && k.facts.imageId) byDigest.set(k.digest, k.facts);
    const keep: string[] = [];
    const unreadable: SyncOutcome['unreadable'] = [];
    let beatAt = this.now();
    // Beats keep the claim alive (see SYNC_STALE_MS), at most every 30 s.
    const beat = async () => {
      if (this.now() - beatAt < 30_000) return;
      beatAt = this.now();
      await this.registries.heartbeat(registry.id, beatAt);
    };

    for await (const repository of client.repositories(registry.host, { pageSize: this.options.pageSize })) {
      if (!inNamespace(repository, registry.namespace)) continue;
      await beat();
      const drafts: ImageAssetDraft[] = [];
      const failed = new Map<string, string>();
      const tags = await this.tagsOf(client, registry.host, repository, unreadable);
      if (tags === null) {
        // Unreadable is not gone: what was listed for the repository stays listed.
        for (const [key, k] of known) if (k.present && key.startsWith(registryNaturalKey(registry.id, repository, ''))) keep.push(k.id);
        continue;
      }
      for (const tag of tags) {
        await beat();
        const naturalKey = registryNaturalKey(registry.id, repository, tag);
        const reference = { registry: registry.host, repository, tag };
        const listed = known.get(naturalKey);
        /** One tag that cannot be read stays (or comes) in the list as failed, with why; the rest of the sync goes on. */
        const tagFailed = (error: unknown): ImageFacts => {
          const reason = tagFailureReason(error);
          if (reason === null) throw error;
          unreadable.push({ image: `${repository}:${tag}`, reason });
          failed.set(naturalKey, reason);
          return { imageId: null, imageSize: null, latestUpdateTime: listed?.facts.latestUpdateTime ?? this.now() };
        };
        let digest: string | null;
        let facts: ImageFacts | undefined;
        try {
          digest = await client.resolveDigest(reference);
        } catch (error) {
          const unknown = tagFailed(error);
          // What an earlier sync read of it still stands; only the failure is new.
          digest = listed?.digest ?? null;
          facts = digest ? listed!.facts : unknown;
        }
        if (!facts && digest) facts = byDigest.get(digest);
        if (!facts && digest) {
          try {
            const image = await client.resolve({ registry: registry.host, repository, digest });
            const created = image.config.document.created ? Date.parse(image.config.document.created) : Number.NaN;
            facts = {
              imageId: image.config.digest,
              imageSize: image.layers.reduce((sum, layer) => sum + layer.size, 0) + image.config.size,
              latestUpdateTime: Number.isFinite(created) ? created : this.now(),
            };
            byDigest.set(digest, facts);
          } catch (error) {
            facts = tagFailed(error);
          }
        }
        facts ??= tagFailed(new Error('the tag has no digest'));
        drafts.push({
          projectId: registry.projectId,
          enterpriseProjectId: registry.enterpriseProjectId,
          imageType: 'registry',
          naturalKey,
          registryId: registry.id,
          registryName: registry.name,
          registryType: registry.registryType,
          ...splitRepository(repository),
          imageVersion: tag,
          imageDigest: digest,
          ...facts,
          localImageType: null,
        });
      }
      if (!(await this.registries.get(registry.projectId, registry.id))) return this.deleted(registry);
      const saved = await this.assets.upsert(drafts, this.now());
      for (const [i, asset] of saved.entries()) {
        keep.push(asset.id);
        const reason = failed.get(drafts[i]!.naturalKey);
        if (reason !== undefined) await this.assets.setScanStatus(registry.projectId, [asset.id], 'failed', reason, this.now());
      }
    }
    const removed = await this.assets.markRemoved({ projectId: registry.projectId, imageType: 'registry', registryId: registry.id }, keep, this.now());
    const reason = unreadable.length > 0 ? `${unreadable.length} tag(s) or repositories could not be read, first ${unreadable[0]!.image}: ${unreadable[0]!.reason}` : '';
    return { status: 'idle', connection: 'connected', reason, images: keep.length, removed, unreadable };
  }

  /** The repository's tags; null when its tag list cannot be read. */
  private async tagsOf(client: RegistryClient, host: string, repository: string, unreadable: SyncOutcome['unreadable']): Promise<string[] | null> {
    const tags: string[] = [];
    try {
      for await (const tag of client.tags({ registry: host, repository }, { pageSize: this.options.pageSize })) tags.push(tag);
    } catch (error) {
      if (connectionFailure(error) || !(error instanceof RegistryError)) throw error;
      // A repository deleted between the catalog and its tag list has no tags.
      if (error.code === 'not-found') return [];
      unreadable.push({ image: repository, reason: error.message });
      return null;
    }
    return tags;
  }

  /** What earlier syncs recorded, by natural key: spares re-reading manifests and configs of unchanged digests. */
  private async knownImages(registry: Registry): Promise<Map<string, KnownImage>> {
    const out = new Map<string, KnownImage>();
    const filter = { projectId: registry.projectId, enterpriseProjectIds: null, imageType: 'registry' as const, registryId: registry.id, includeRemoved: true };
    for (let offset = 0; ; offset += 1000) {
      const { assets } = await this.assets.list(filter, { offset, limit: 1000 });
      for (const a of assets) {
        const repository = a.namespace ? `${a.namespace}/${a.imageName}` : a.imageName;
        out.set(registryNaturalKey(registry.id, repository, a.imageVersion), {
          id: a.id,
          present: a.removedAt === null,
          digest: a.imageDigest,
          facts: { imageId: a.imageId, imageSize: a.imageSize, latestUpdateTime: a.latestUpdateTime },
        });
      }
      if (assets.length < 1000) return out;
    }
  }

  private async fail(registry: Registry, status: RegistryConnectionStatus, reason: string): Promise<SyncOutcome> {
    const now = this.now();
    await this.registries.setConnection(registry.id, status, reason, now);
    const present = await this.assets.ids({ projectId: registry.projectId, enterpriseProjectIds: null, imageType: 'registry', registryId: registry.id });
    await this.assets.setScanStatus(registry.projectId, present, 'download_failed', reason, now);
    return { status: 'failed', connection: status, reason, images: present.length, removed: 0, unreadable: [] };
  }

  private deleted(registry: Registry): SyncOutcome {
    return { status: 'failed', connection: registry.status, reason: 'the registry was deleted during the sync', images: 0, removed: 0, unreadable: [] };
  }
}
