import { ClusterScanError, collectLiveSnapshot, parseSnapshot, scanCluster, type ClusterSnapshot, type WorkloadImage } from '../../cluster/index.js';
import { matchClusterComponents, type ClusterVulFinding } from '../../cluster/component-vulns.js';
import type { ClusterScanType, ResourceOutcome, TaskResult } from '../../domain/common-task.js';
import type { ImageAssetRepository } from '../../repositories/image-asset-repository.js';
import type { K8sNodeReportRepository } from '../../repositories/k8s-node-report-repository.js';
import { parseReference } from '../../sources/registry/index.js';
import type { VulnDbProvider } from '../../vulndb/provider.js';
import type { ImageScanService } from '../images/image-scan-service.js';
import type { ClusterInput, ClusterScanRunner } from './common-task-service.js';
import { demoDbResult, fromRiskFinding, fromRuleResult } from './task-results.js';

function vulResult(f: ClusterVulFinding, demo: boolean): TaskResult {
  return {
    category: 'cluster_vul',
    checkId: f.vulId,
    severity: f.severity,
    status: 'failed',
    title: f.title ?? f.vulId,
    message: `${f.component} ${f.version}${f.node ? ` on node ${f.node}` : ''} is affected${f.fixedVersion ? `; fixed in ${f.fixedVersion}` : '; no fixed version known'}`,
    file: '',
    startLine: null,
    endLine: null,
    resource: { kind: f.node ? 'Node' : 'Cluster', namespace: '', name: f.node ?? '' },
    suppressed: null,
    detail: { component: f.component, version: f.version, fixed_version: f.fixedVersion, aliases: f.aliases, url: f.url, cvss_score: f.cvssScore, official: f.official, ...(demo ? { demo_db: true } : {}) },
  };
}

function imageResult(w: WorkloadImage, imageScanTaskId: string | null): TaskResult {
  return {
    category: 'workload_image',
    checkId: '',
    severity: 'info',
    status: 'passed',
    title: w.image,
    message: `${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name} runs ${w.image} in ${w.containerType} ${w.container}`,
    file: '',
    startLine: null,
    endLine: null,
    resource: { kind: w.kind, namespace: w.namespace ?? '', name: w.name },
    suppressed: null,
    detail: { container: w.container, container_type: w.containerType, image: w.image, image_ids: w.imageIDs, image_scan_task_id: imageScanTaskId },
  };
}

/**
 * A cluster job's cluster: its snapshot (collected read-only from the API
 * server, or the stored offline one), scanned by src/cluster, the CIS node
 * controls completed by what node agents reported; component
 * versions matched against the vulnerability DB; workload images recorded
 * and, where a synced registry holds them, queued for an image scan.
 */
export class ClusterScanRunnerImpl implements ClusterScanRunner {
  constructor(
    private readonly vulnDb: VulnDbProvider,
    private readonly assets: ImageAssetRepository,
    private readonly imageScans: ImageScanService,
    private readonly nodeReports?: K8sNodeReportRepository,
  ) {}

  async scan(cluster: ClusterInput, scanTypes: ClusterScanType[], context: { projectId: string }): Promise<ResourceOutcome> {
    let snapshot: ClusterSnapshot;
    try {
      snapshot = cluster.kubeconfig !== undefined ? await collectLiveSnapshot(cluster.kubeconfig) : parseSnapshot(JSON.stringify(cluster.snapshot));
    } catch (err) {
      if (err instanceof ClusterScanError) return { status: 'failed', reason: err.message };
      throw err;
    }
    // benchmark: what the agents on this cluster's nodes (hosts of the same project, by node name) decided there.
    const nodeNames = snapshot.nodes.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
    const nodeReports = scanTypes.includes('benchmark') && this.nodeReports ? await this.nodeReports.forNodes(context.projectId, nodeNames) : [];
    const scanned = scanCluster(snapshot, scanTypes, { clusterName: cluster.name, nodeReports });
    const results: TaskResult[] = [];
    if (scanned.clusterVul) {
      const reader = this.vulnDb.reader();
      const meta = reader.meta();
      const demo = meta.demo === 'true';
      if (demo) results.push(demoDbResult(meta.built_at ?? null));
      results.push(...matchClusterComponents(reader, scanned.clusterVul.components).map((f) => vulResult(f, demo)));
      const taskId = await this.queueImageScans(context.projectId, scanned.clusterVul.workloadImages);
      results.push(...scanned.clusterVul.workloadImages.map((w) => imageResult(w, taskId)));
    }
    for (const r of scanned.riskAssessment?.results ?? []) results.push(fromRiskFinding(r));
    for (const r of scanned.benchmark?.results ?? []) results.push(fromRuleResult(r, 'benchmark'));
    return { status: 'success', results };
  }

  /**
   * The workload images a synced registry holds (same repository and tag),
   * scanned by one image scan task; null when none is held. Registries are
   * matched by repository and tag, not host: a cluster pulls through names
   * (mirrors, pull-through caches) that rarely equal the registry's address.
   */
  private async queueImageScans(projectId: string, images: readonly WorkloadImage[]): Promise<string | null> {
    const ids = new Set<string>();
    for (const w of images) {
      let reference;
      try {
        reference = parseReference(w.image);
      } catch {
        continue;
      }
      const slash = reference.repository.lastIndexOf('/');
      const imageName = slash < 0 ? reference.repository : reference.repository.slice(slash + 1);
      const namespace = slash < 0 ? '' : reference.repository.slice(0, slash);
      const { assets } = await this.assets.list({ projectId, enterpriseProjectIds: null, imageType: 'registry', imageName }, { offset: 0, limit: 200 });
      for (const a of assets) if (a.imageName === imageName && a.namespace === namespace && a.imageVersion === (reference.tag ?? 'latest')) ids.add(a.id);
    }
    if (ids.size === 0) return null;
    return this.imageScans.create(projectId, { imageType: 'registry', enterpriseProjectIds: ['0'], imageInfo: [...ids].map((id) => ({ id })), taskName: 'cluster workload images' });
  }
}
