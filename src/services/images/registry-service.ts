import type { Logger } from 'pino';
import { conflict, invalidParameter, notFound } from '../../domain/errors.js';
import type { ImageAsset, ImageVulTotals, RegistryType } from '../../domain/image.js';
import { newHexId } from '../../domain/ids.js';
import type { Registry } from '../../domain/registry.js';
import type { ImageAssetFilter, ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import { totalsOf, type ImageContentRepository } from '../../repositories/image-content-repository.js';
import type { RegistryFilter, RegistryRepository, RegistrySettings } from '../../repositories/registry-repository.js';
import type { SecretBox } from '../../security/secret-box.js';
import { isValidRepository } from '../../sources/registry/index.js';
import type { RegistryConnector, RegistryEndpoint } from './registry-connector.js';
import type { RegistryAccess, RegistryConnection } from './registry-image-scanner.js';
import type { RegistrySync, SyncOutcome } from './registry-sync.js';

/** Hands a claimed sync to the job queue. */
export type SyncStarter = (projectId: string, registryId: string) => Promise<void>;

export interface RegistryInput {
  /** The request field the URL came from, named in errors (default `url`). */
  urlField?: string;
  enterpriseProjectId: string;
  name: string;
  registryType: RegistryType;
  /** `http(s)://host[:port]`; the scheme says whether the registry speaks plain HTTP. */
  url: string;
  namespace?: string;
  username?: string;
  /** Absent or '': anonymous access (with a username: an empty password). */
  password?: string;
  skipTlsVerify?: boolean;
}

/** Fields left out stay as they are; `password: ''` removes the stored password. */
export type RegistryChanges = Partial<Omit<RegistryInput, 'enterpriseProjectId'>>;

export interface RegistryView extends Registry {
  imagesNum: number;
}

export interface RegistryImageView extends ImageAsset {
  /** Null until the digest has been scanned. */
  vulTotals: ImageVulTotals | null;
  latestSyncTime: number | null;
}

/** A sync that has not beaten for this long is taken to have died with its worker. */
export const SYNC_STALE_MS = 10 * 60_000;

const secretContext = (registryId: string) => `registry:${registryId}`;

/** `http(s)://host[:port]` with nothing else; the field is named in the error. */
export function parseRegistryUrl(field: string, input: string): { url: string; host: string; plainHttp: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(input.trim());
  } catch {
    throw invalidParameter(field, `Invalid parameter: ${field} must be http(s)://host[:port]`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidParameter(field, `Invalid parameter: ${field} must start with http:// or https://`);
  if (parsed.username || parsed.password) throw invalidParameter(field, `Invalid parameter: ${field} must not hold credentials; use the username and password fields`);
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash) throw invalidParameter(field, `Invalid parameter: ${field} must be http(s)://host[:port] without a path or query`);
  return { url: `${parsed.protocol}//${parsed.host}`, host: parsed.host, plainHttp: parsed.protocol === 'http:' };
}

function normaliseNamespace(input: string | undefined): string {
  const namespace = (input ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (namespace !== '' && !isValidRepository(namespace)) throw invalidParameter('namespace', 'Invalid parameter: namespace must be a repository path prefix such as team or team/web (lower-case letters, digits, . _ -)');
  return namespace;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 128) throw invalidParameter('registry_name', 'Invalid parameter: registry_name must be 1-128 characters');
  return trimmed;
}

/** Registries (add, list, change, delete, connectivity), their syncs, and the registry image list. */
export class RegistryService implements RegistryAccess {
  private starter: SyncStarter | undefined;
  private logger: Logger | undefined;
  /** Connectivity checks running in this process, by registry: each runs after the one before it. */
  private readonly checks = new Map<string, Promise<void>>();

  constructor(
    private readonly registries: RegistryRepository,
    private readonly assets: ImageAssetRepository,
    private readonly contents: ImageContentRepository,
    private readonly secrets: SecretBox,
    private readonly access: RegistryConnector,
    private readonly sync: RegistrySync,
    private readonly now: () => number,
  ) {}

  useStarter(starter: SyncStarter): void {
    this.starter = starter;
  }

  /** Where connectivity checks and syncs are logged (the server's and workers' logger). */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /**
   * Resolves once the connectivity checks this process started for the
   * registry have recorded their result (at once when none runs).
   */
  async checked(id: string): Promise<void> {
    await this.checks.get(id);
  }

  /**
   * Checks connectivity in the background (`GET /v2/`, which may take the
   * whole connect timeout and its retries) and records the outcome; the
   * request that asked has already answered with `checking`. Should the
   * process die first, the sync that follows every add records it instead.
   */
  private startCheck(projectId: string, id: string, where: Pick<RegistryEndpoint, 'host' | 'plainHttp' | 'skipTlsVerify' | 'username'>): void {
    const previous = this.checks.get(id) ?? Promise.resolve();
    const run = previous.then(async () => {
      try {
        const endpoint = await this.endpointOf(projectId, id, where);
        const connection = await this.access.check(endpoint);
        await this.registries.setConnection(id, connection.status, connection.reason, this.now());
        const fields = { registryId: id, projectId, host: where.host, status: connection.status, ...(connection.reason ? { reason: connection.reason } : {}) };
        if (connection.status === 'connected') this.logger?.info(fields, 'registry connection checked');
        else this.logger?.warn(fields, 'registry connection checked');
      } catch (err) {
        this.logger?.error({ registryId: id, projectId, err }, 'registry connection check failed');
      }
    });
    const tracked: Promise<void> = run.finally(() => {
      if (this.checks.get(id) === tracked) this.checks.delete(id);
    });
    this.checks.set(id, tracked);
  }

  /**
   * Saves the registry whatever its connectivity, so a wrong password or
   * address can be corrected; only invalid input is refused. It is saved as
   * `checking` and its connectivity is checked in the background.
   */
  async add(projectId: string, input: RegistryInput): Promise<Registry> {
    const name = checkName(input.name);
    const { url, host, plainHttp } = parseRegistryUrl(input.urlField ?? 'url', input.url);
    const namespace = normaliseNamespace(input.namespace);
    if (await this.registries.nameTaken(projectId, name)) throw conflict(`A registry named ${name} already exists`);
    const id = newHexId();
    const username = input.username ?? '';
    const password = input.password ? input.password : null;
    const now = this.now();
    const saved = await this.registries.insert({
      id,
      project_id: projectId,
      enterprise_project_id: input.enterpriseProjectId,
      name,
      registry_type: input.registryType,
      url,
      host,
      namespace,
      username,
      secret_ciphertext: password === null ? null : this.secrets.seal(password, secretContext(id)),
      plain_http: plainHttp ? 1 : 0,
      skip_tls_verify: input.skipTlsVerify ? 1 : 0,
      status: 'checking',
      status_reason: '',
      checked_at: null,
      sync_status: 'idle',
      sync_reason: '',
      last_sync_at: null,
      sync_heartbeat_at: null,
      sync_attempted_at: null,
      created_at: now,
      updated_at: now,
    });
    this.startCheck(projectId, id, { host, plainHttp, skipTlsVerify: input.skipTlsVerify === true, username });
    return saved;
  }

  /** A registry of the project within the caller's enterprise projects (null: any); anything else is not found. */
  async get(projectId: string, id: string, enterpriseProjectIds: string[] | null = null): Promise<Registry> {
    const registry = await this.registries.get(projectId, id);
    if (!registry || (enterpriseProjectIds && !enterpriseProjectIds.includes(registry.enterpriseProjectId))) throw notFound(`Requested resource not found: no registry ${id}`);
    return registry;
  }

  async list(projectId: string, filter: RegistryFilter, page: { offset: number; limit: number }): Promise<{ total: number; registries: RegistryView[] }> {
    const { total, registries } = await this.registries.list(projectId, filter, page);
    const counts = await this.registries.imageCounts(projectId, registries.map((r) => r.id));
    return { total, registries: registries.map((r) => ({ ...r, imagesNum: counts.get(r.id) ?? 0 })) };
  }

  /** Applies the changes; connectivity is checked again with the resulting settings, in the background (`checking` until then). */
  async update(projectId: string, id: string, changes: RegistryChanges, enterpriseProjectIds: string[] | null = null): Promise<Registry> {
    const current = await this.get(projectId, id, enterpriseProjectIds);
    const name = changes.name === undefined ? current.name : checkName(changes.name);
    if (name !== current.name && (await this.registries.nameTaken(projectId, name, id))) throw conflict(`A registry named ${name} already exists`);
    const { url, host, plainHttp } = changes.url === undefined ? current : parseRegistryUrl(changes.urlField ?? 'url', changes.url);
    const namespace = changes.namespace === undefined ? current.namespace : normaliseNamespace(changes.namespace);
    const username = changes.username ?? current.username;
    const skipTlsVerify = changes.skipTlsVerify ?? current.skipTlsVerify;
    let sealed = await this.registries.sealedSecret(projectId, id);
    if (changes.password !== undefined) sealed = changes.password === '' ? null : this.secrets.seal(changes.password, secretContext(id));
    const settings: RegistrySettings = {
      name,
      registry_type: changes.registryType ?? current.registryType,
      url,
      host,
      namespace,
      username,
      secret_ciphertext: sealed,
      plain_http: plainHttp ? 1 : 0,
      skip_tls_verify: skipTlsVerify ? 1 : 0,
    };
    await this.registries.updateSettings(projectId, id, settings, this.now());
    await this.registries.setConnection(id, 'checking', '', this.now());
    this.startCheck(projectId, id, { host, plainHttp, skipTlsVerify, username });
    return this.get(projectId, id);
  }

  /** Deletes the registry; its images leave the list but stay as history (removed). */
  async delete(projectId: string, id: string, enterpriseProjectIds: string[] | null = null): Promise<void> {
    await this.get(projectId, id, enterpriseProjectIds);
    await this.assets.markRemoved({ projectId, imageType: 'registry', registryId: id }, [], this.now());
    await this.registries.delete(projectId, id);
  }

  /**
   * Queues a sync unless one of this registry is already running (then
   * `started` is false: that sync covers the request). Returns at once.
   */
  /**
   * Starts the periodic syncs that are due: every registry whose last sync
   * started more than `intervalMs` ago (or that was never synced), so new
   * tags appear and deleted ones leave without anyone asking. Returns how many started.
   */
  async syncDue(intervalMs: number): Promise<number> {
    let started = 0;
    for (const { projectId, id } of await this.registries.dueForSync(this.now() - intervalMs, 100)) {
      if ((await this.requestSync(projectId, id)).started) started++;
    }
    return started;
  }

  async requestSync(projectId: string, id: string, enterpriseProjectIds: string[] | null = null): Promise<{ started: boolean }> {
    await this.get(projectId, id, enterpriseProjectIds);
    if (!this.starter) throw new Error('registry syncs need a job queue, and none is attached');
    const now = this.now();
    if (!(await this.registries.claimSync(projectId, id, now, now - SYNC_STALE_MS))) return { started: false };
    try {
      await this.starter(projectId, id);
    } catch (err) {
      await this.registries.finishSync(id, { status: 'failed', reason: 'the sync could not be queued', finishedAt: null });
      throw err;
    }
    return { started: true };
  }

  /** Claims and runs a sync in this process (the CLI); refused while another sync of the registry runs. */
  async syncNow(projectId: string, id: string): Promise<SyncOutcome> {
    await this.get(projectId, id);
    const now = this.now();
    if (!(await this.registries.claimSync(projectId, id, now, now - SYNC_STALE_MS))) throw conflict(`A sync of registry ${id} is already running`);
    return (await this.runSync(projectId, id))!;
  }

  /** The job: runs the claimed sync and releases the claim with its outcome. Null when the registry is gone. */
  async runSync(projectId: string, id: string): Promise<SyncOutcome | null> {
    const registry = await this.registries.get(projectId, id);
    if (!registry) return null;
    const startedAt = this.now();
    try {
      const outcome = await this.sync.run(registry, await this.endpointOf(projectId, id, registry));
      await this.registries.finishSync(id, { status: outcome.status, reason: outcome.reason, finishedAt: outcome.status === 'idle' ? this.now() : null });
      const fields = {
        registryId: id,
        projectId,
        host: registry.host,
        status: outcome.status,
        connection: outcome.connection,
        images: outcome.images,
        removed: outcome.removed,
        unreadable: outcome.unreadable.length,
        ...(outcome.unreadable.length > 0 ? { firstUnreadable: outcome.unreadable.slice(0, 5) } : {}),
        ...(outcome.reason ? { reason: outcome.reason } : {}),
        durationMs: this.now() - startedAt,
      };
      if (outcome.status === 'idle' && outcome.unreadable.length === 0) this.logger?.info(fields, 'registry sync finished');
      else this.logger?.warn(fields, 'registry sync finished');
      return outcome;
    } catch (err) {
      await this.registries.finishSync(id, { status: 'failed', reason: err instanceof Error ? err.message : String(err), finishedAt: null });
      this.logger?.error({ registryId: id, projectId, host: registry.host, err }, 'registry sync failed');
      throw err;
    }
  }

  /** ListRegistryImages: the registry image assets matching the filter, with their scan totals. */
  async listImages(filter: Omit<ImageAssetFilter, 'imageType'>, page: { offset: number; limit: number }): Promise<{ total: number; images: RegistryImageView[] }> {
    const { total, assets } = await this.assets.list({ ...filter, imageType: 'registry' }, page);
    const totals = new Map<string, ImageVulTotals>();
    for (const digest of new Set(assets.map((a) => a.imageDigest).filter((d): d is string => d !== null))) {
      const summary = await this.contents.summary(filter.projectId, digest);
      if (summary) totals.set(digest, totalsOf(summary));
    }
    const syncTimes = await this.registries.lastSyncTimes(filter.projectId, [...new Set(assets.map((a) => a.registryId).filter((r): r is string => r !== null))]);
    return {
      total,
      images: assets.map((a) => ({ ...a, vulTotals: (a.imageDigest && totals.get(a.imageDigest)) || null, latestSyncTime: (a.registryId && syncTimes.get(a.registryId)) || null })),
    };
  }

  /** How the image scanner reaches a registry's images: host, plain HTTP, credentials, TLS verification. */
  async connectionFor(projectId: string, registryId: string): Promise<RegistryConnection | null> {
    const registry = await this.registries.get(projectId, registryId);
    if (!registry) return null;
    const endpoint = await this.endpointOf(projectId, registryId, registry);
    const hasCredentials = endpoint.username !== '' || endpoint.password !== null;
    return {
      host: endpoint.host,
      options: { insecure: endpoint.plainHttp, ...(hasCredentials ? { credentials: { username: endpoint.username, password: endpoint.password ?? '' } } : {}) },
      skipTlsVerify: endpoint.skipTlsVerify,
    };
  }

  private async endpointOf(projectId: string, id: string, where: Pick<RegistryEndpoint, 'host' | 'plainHttp' | 'skipTlsVerify' | 'username'>): Promise<RegistryEndpoint> {
    const sealed = await this.registries.sealedSecret(projectId, id);
    return { host: where.host, plainHttp: where.plainHttp, skipTlsVerify: where.skipTlsVerify, username: where.username, password: sealed === null ? null : this.secrets.open(sealed, secretContext(id)) };
  }
}
