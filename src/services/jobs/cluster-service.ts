import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ClusterScanError, loadKubeconfig, parseSnapshot } from '../../cluster/index.js';
import { conflict, invalidParameter, notFound } from '../../domain/errors.js';
import type { ClusterRepository } from '../../repositories/cluster-repository.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { ClusterInput } from './common-task-service.js';

export interface ClusterRegistration {
  enterpriseProjectId: string;
  name: string;
  /** Exactly one of these: a kubeconfig (YAML) or an offline `kubectl get … -o json` snapshot. */
  kubeconfig?: string;
  snapshot?: unknown;
}

const secretContext = (id: string) => `cluster:${id}`;
const MAX_KUBECONFIG_BYTES = 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Registered clusters. A kubeconfig is sealed with the master key at rest
 * (bound to the cluster id) and never returned; a snapshot is kept gzip'd.
 */
export class ClusterService {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly secrets: SecretBox,
    private readonly now: () => number,
  ) {}

  async register(projectId: string, input: ClusterRegistration): Promise<{ id: string; name: string; source: string }> {
    if (!NAME.test(input.name)) throw invalidParameter('name', 'name must be 1–128 letters, digits, dots, dashes or underscores');
    if ((input.kubeconfig === undefined) === (input.snapshot === undefined)) throw invalidParameter('kubeconfig', 'give exactly one of kubeconfig and snapshot');
    if (input.kubeconfig !== undefined) {
      if (Buffer.byteLength(input.kubeconfig) > MAX_KUBECONFIG_BYTES) throw invalidParameter('kubeconfig', 'kubeconfig is larger than 1 MiB');
      // Checked now, so a kubeconfig that can never work is refused with its reason instead of failing every scan.
      try {
        loadKubeconfig(input.kubeconfig);
      } catch (err) {
        if (err instanceof ClusterScanError) throw invalidParameter('kubeconfig', err.reason);
        throw err;
      }
    }
    if (input.snapshot !== undefined) {
      if (typeof input.snapshot !== 'object' || input.snapshot === null) throw invalidParameter('snapshot', 'snapshot must be the JSON object `kubectl get … -o json` prints');
      try {
        parseSnapshot(JSON.stringify(input.snapshot));
      } catch (err) {
        if (err instanceof ClusterScanError) throw invalidParameter('snapshot', `snapshot: ${err.reason}`);
        throw err;
      }
    }
    if (await this.clusters.nameTaken(projectId, input.name)) throw conflict(`A cluster named ${input.name} already exists`);
    const id = randomUUID();
    const now = this.now();
    const source = input.kubeconfig !== undefined ? 'kubeconfig' : 'snapshot';
    await this.clusters.insert({
      id,
      project_id: projectId,
      enterprise_project_id: input.enterpriseProjectId,
      name: input.name,
      source,
      kubeconfig_ciphertext: input.kubeconfig !== undefined ? this.secrets.seal(input.kubeconfig, secretContext(id)) : null,
      snapshot: input.snapshot !== undefined ? gzipSync(JSON.stringify(input.snapshot)) : null,
      created_at: now,
      updated_at: now,
    });
    return { id, name: input.name, source };
  }

  async list(projectId: string, enterpriseProjectIds: string[] | null, page: { offset: number; limit: number }) {
    return this.clusters.list(projectId, enterpriseProjectIds, page);
  }

  async delete(projectId: string, id: string): Promise<void> {
    if (!(await this.clusters.delete(projectId, id))) throw notFound(`cluster ${id} not found`);
  }

  /** The clusters a task covers: every one in scope, or the named ones (each must exist). */
  async selection(projectId: string, enterpriseProjectIds: string[], rangeType: 'all_cluster' | 'specific_cluster', ids: readonly string[] = []): Promise<Array<{ id: string; name: string }>> {
    const all = await this.clusters.ids(projectId, enterpriseProjectIds);
    if (rangeType === 'all_cluster') {
      if (all.length === 0) throw invalidParameter('cluster_scan_info.range_type', 'no cluster is registered in this project');
      return all;
    }
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) throw invalidParameter('cluster_scan_info.cluster_id_list', 'specific_cluster needs cluster_id_list');
    const missing = wanted.filter((id) => !all.some((c) => c.id === id));
    if (missing.length > 0) throw notFound(`cluster_scan_info.cluster_id_list: clusters ${missing.join(', ')} not found`);
    return all.filter((c) => wanted.includes(c.id));
  }

  /** What a scan reads; the kubeconfig is opened only here, in the process that scans. */
  async input(projectId: string, id: string): Promise<ClusterInput | null> {
    const row = await this.clusters.get(projectId, id);
    if (!row) return null;
    if (row.kubeconfig_ciphertext) return { id, name: row.name, kubeconfig: this.secrets.open(row.kubeconfig_ciphertext, secretContext(id)) };
    return { id, name: row.name, snapshot: JSON.parse(gunzipSync(Buffer.from(row.snapshot!)).toString('utf8')) as unknown };
  }
}
