import type { InventoryDocument } from '../../agent/protocol.js';
import type { Finding, Severity } from '../../domain/finding.js';
import type { ImageVulTotals } from '../../domain/image.js';
import { matchInventory, osMatchGap, type MatchCache } from '../../findings/match-inventory.js';
import { matchers } from '../../matchers/index.js';
import type { ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import { type ImageContentRepository, type ImageVulDraft } from '../../repositories/image-content-repository.js';
import { decodeInventory, encodeInventory } from '../../repositories/inventory-codec.js';
import type { AdvisoryProvider } from '../host-vul-matcher.js';

const OS_PACKAGE_TYPES = new Set(['deb', 'apk', 'rpm']);
/** Verdicts kept across images (they share base layers and libraries); dropped when this many pile up. */
const MAX_CACHED_VERDICTS = 200_000;
const STORED_SEVERITY: Record<Severity, keyof ImageVulTotals> = { critical: 'critical', high: 'high', medium: 'medium', low: 'low', none: 'unknown', unknown: 'unknown' };

export interface RecordedImage {
  vulNum: number;
  totals: ImageVulTotals;
}

/** An inventory matched against one DB generation, ready to be stored. */
export interface MatchedImage extends RecordedImage {
  inventory: InventoryDocument;
  generation: string;
  vuls: ImageVulDraft[];
  /** The known-exploited (KEV) vulnerabilities among the findings. */
  kevVulIds: string[];
  /** Why the image's OS packages could not be matched at all (an OS without advisory data); null when they were. */
  osGap: string | null;
}

/** Where an inventory came from. */
export type ContentSource = 'registry' | 'agent' | 'cicd';

/** One row per (vulnerability, package): what the image lists and exports show. */
function draftsOf(findings: readonly Finding[]): ImageVulDraft[] {
  const seen = new Map<string, ImageVulDraft>();
  for (const f of findings) {
    const draft: ImageVulDraft = {
      vul_id: f.id,
      package_name: f.package.name,
      package_version: f.package.version,
      // Every place the package was found (a lock file and node_modules), within the column's 1024 characters.
      package_path: f.locations.map((l) => l.path).join(', ').slice(0, 1024),
      vul_type: OS_PACKAGE_TYPES.has(f.package.type) ? 'linux_vul' : 'app_vul',
      package_type: f.package.type,
      fixed_version: f.fixedVersion ?? '',
      severity: STORED_SEVERITY[f.severity],
      cvss_score: f.cvss?.score ?? null,
      cve_ids: JSON.stringify([f.id, ...f.aliases].filter((id) => id.startsWith('CVE-'))),
      title: f.title ?? '',
    };
    const key = `${draft.vul_id}\u0000${draft.package_name}\u0000${draft.package_version}\u0000${draft.package_path}`;
    if (!seen.has(key)) seen.set(key, draft);
  }
  return [...seen.values()];
}

/**
 * The one way an image's contents become stored vulnerabilities, whatever
 * produced the inventory (a registry pull, an agent, a CI/CD pipeline):
 * match it against the vulnerability DB, store the inventory and the rows
 * per (project, digest), and mark every asset with that digest scanned.
 */
export class ImageContentService {
  private verdicts: { generation: string; cache: MatchCache } = { generation: '', cache: new Map() };

  constructor(
    private readonly contents: ImageContentRepository,
    private readonly assets: ImageAssetRepository,
    private readonly vulnDb: AdvisoryProvider,
    private readonly now: () => number,
  ) {}

  async record(projectId: string, digest: string, imageId: string | null, inventory: InventoryDocument, source: ContentSource, inventoryAt = this.now(), markScanned = true): Promise<RecordedImage> {
    return this.store(this.match(inventory), { projectId, digest, imageId, source, inventoryAt, markScanned });
  }

  /** Matches an inventory against the vulnerability DB; nothing is written. */
  match(inventory: InventoryDocument): MatchedImage {
    // reader() may swap in a replaced DB file; the generation is read after it, so the two agree.
    const reader = this.vulnDb.reader();
    const generation = this.vulnDb.generation();
    const document = inventory.os ? { os: inventory.os, packages: inventory.packages } : { packages: inventory.packages };
    const { findings } = matchInventory(document, reader, matchers, this.verdictCache(generation));
    const osGap = osMatchGap(document, reader, matchers);
    const vuls = draftsOf(findings);
    const totals: ImageVulTotals = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
    const counted = new Map<string, keyof ImageVulTotals>();
    const rank: Array<keyof ImageVulTotals> = ['unknown', 'low', 'medium', 'high', 'critical'];
    // Totals count vulnerabilities, not (vulnerability, package) rows: the worst severity of each.
    for (const v of vuls) {
      const s = v.severity as keyof ImageVulTotals;
      const before = counted.get(v.vul_id);
      if (!before || rank.indexOf(s) > rank.indexOf(before)) counted.set(v.vul_id, s);
    }
    for (const s of counted.values()) totals[s]++;
    const kevVulIds = [...new Set(findings.filter((f) => f.knownExploited).map((f) => f.id))];
    return { inventory, generation, vuls, totals, vulNum: counted.size, osGap, kevVulIds };
  }

  /**
   * Stores a matched inventory and its rows, and marks the digest's assets
   * scanned; with `repos` bound to a caller's transaction, inside it.
   */
  async store(
    matched: MatchedImage,
    at: { projectId: string; digest: string; imageId: string | null; source: ContentSource; inventoryAt: number; markScanned: boolean },
    repos: { contents: ImageContentRepository; assets: ImageAssetRepository } = { contents: this.contents, assets: this.assets },
  ): Promise<RecordedImage> {
    const { inventory, generation, vuls, totals } = matched;
    const { projectId, digest, imageId, source, inventoryAt } = at;
    const now = this.now();
    await repos.contents.save(
      {
        project_id: projectId,
        image_digest: digest,
        image_id: imageId,
        os_name: inventory.os?.id ?? '',
        os_version: inventory.os?.versionId ?? '',
        package_count: inventory.packages.length,
        document: encodeInventory(inventory),
        source,
        inventory_at: inventoryAt,
        matched_at: now,
        matched_generation: generation,
        critical_num: totals.critical,
        high_num: totals.high,
        medium_num: totals.medium,
        low_num: totals.low,
        unknown_num: totals.unknown,
      },
      vuls,
      now,
      matched.kevVulIds,
    );
    // An image whose OS packages could not be matched at all fails with the reason (its other findings are stored), never passes as clean.
    if (at.markScanned) await repos.assets.setScanStatusByDigest(projectId, digest, matched.osGap ? 'failed' : 'success', matched.osGap ? `OS packages not matched: ${matched.osGap}` : '', now);
    return { vulNum: matched.vulNum, totals };
  }

  /** The verdict cache for the DB generation in use; a new DB file starts an empty one. */
  private verdictCache(generation: string): MatchCache {
    if (this.verdicts.generation !== generation || this.verdicts.cache.size > MAX_CACHED_VERDICTS) this.verdicts = { generation, cache: new Map() };
    return this.verdicts.cache;
  }

  /** Whether some stored image inventory was matched against another DB file than the one in use (rematchStale brings them up to date). */
  async hasStaleMatches(): Promise<boolean> {
    return (await this.contents.staleDigests(this.vulnDb.generation(), null, 1)).length > 0;
  }

  /** Re-matches every stored image inventory matched against an older vulnerability DB. */
  async rematchStale(): Promise<number> {
    const generation = this.vulnDb.generation();
    let after: { projectId: string; digest: string } | null = null;
    let n = 0;
    for (;;) {
      const page = await this.contents.staleDigests(generation, after, 100);
      if (page.length === 0) return n;
      for (const { projectId, digest } of page) {
        const document = await this.contents.document(projectId, digest);
        const summary = await this.contents.summary(projectId, digest);
        if (!document || !summary) continue;
        // Asset scan times stay: nothing was pulled or reported, only the DB changed.
        await this.record(projectId, digest, summary.image_id, decodeInventory(document), summary.source as ContentSource, Number(summary.inventory_at), false);
        n++;
      }
      after = page[page.length - 1]!;
    }
  }
}
