import type { RuleResult } from '../../rules/types.js';
import { ruleMeta } from '../../rules/k8s/index.js';
import type { BenchmarkContext, BenchmarkControl } from './control.js';
import { GENERAL_CONTROLS } from './general-controls.js';
import { NETWORK_CONTROLS } from './network-controls.js';
import { NODE_CONTROLS } from './node-controls.js';
import { POD_SECURITY_CONTROLS } from './pod-security-controls.js';
import { RBAC_CONTROLS } from './rbac-controls.js';

export { CIS_BENCHMARK } from './control.js';
export type { BenchmarkContext, BenchmarkControl, ControlOutcome } from './control.js';
export { evidenceFromApi } from './node/from-api.js';
export { evaluateNode, NODE_CHECKS, type NodeCheckResult, type NodeReport } from './node/checks.js';
export type { NodeEvidence } from './node/evidence.js';

export const CIS_CONTROLS: readonly BenchmarkControl[] = [...NODE_CONTROLS, ...RBAC_CONTROLS, ...POD_SECURITY_CONTROLS, ...NETWORK_CONTROLS, ...GENERAL_CONTROLS];

export function runBenchmark(context: BenchmarkContext, controls: readonly BenchmarkControl[] = CIS_CONTROLS): RuleResult[] {
  return controls.flatMap((control) => control.evaluate(context).map((o) => ({ rule: ruleMeta(control), status: o.status, message: o.message, resource: o.resource })));
}
