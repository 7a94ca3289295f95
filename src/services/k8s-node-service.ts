import type { KubernetesNodeAccepted, KubernetesNodeReport } from '../agent/protocol.js';
import type { Host } from '../domain/host.js';
import type { K8sNodeReportRepository } from '../repositories/k8s-node-report-repository.js';

/** Keeps what the agents on Kubernetes nodes report, for the cluster benchmark jobs of their project. */
export class KubernetesNodeService {
  constructor(
    private readonly reports: K8sNodeReportRepository,
    private readonly now: () => number = Date.now,
  ) {}

  async report(host: Host, report: KubernetesNodeReport): Promise<KubernetesNodeAccepted> {
    await this.reports.upsert({
      host_id: host.id,
      project_id: host.projectId,
      node_name: report.node_name,
      roles: report.roles.join(','),
      benchmark: report.benchmark,
      results: JSON.stringify(report.results),
      warnings: JSON.stringify(report.warnings),
      collected_at: report.collected_at,
      received_at: this.now(),
    });
    return { node_name: report.node_name, results: report.results.length };
  }
}
