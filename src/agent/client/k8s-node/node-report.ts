import { CIS_BENCHMARK } from '../../../cluster/benchmark/control.js';
import { evaluateNode } from '../../../cluster/benchmark/node/checks.js';
import type { KubernetesNodeReport } from '../../protocol.js';
import { collectNodeEvidence, type NodeCollectOptions } from './collect-node.js';

/** The CIS node controls decided on this machine, ready to send; null when it is not a Kubernetes node. */
export async function collectNodeReport(options: NodeCollectOptions & { now?: () => number }): Promise<KubernetesNodeReport | null> {
  const collected = await collectNodeEvidence(options);
  if (collected === null) return null;
  return {
    node_name: collected.evidence.node,
    roles: collected.roles,
    benchmark: CIS_BENCHMARK,
    collected_at: (options.now ?? Date.now)(),
    results: evaluateNode(collected.evidence),
    warnings: collected.warnings,
  };
}
