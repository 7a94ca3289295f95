import type { RuleResult } from '../../rules/types.js';
import { ruleMeta } from '../../rules/k8s/index.js';
import { cisMeta, type BenchmarkContext, type BenchmarkControl } from './control.js';
import { GENERAL_CONTROLS } from './general-controls.js';
import { NETWORK_CONTROLS } from './network-controls.js';
import { NODE_ACCESS_CONTROLS } from './node-access-controls.js';
import { POD_SECURITY_CONTROLS } from './pod-security-controls.js';
import { RBAC_CONTROLS } from './rbac-controls.js';

export { CIS_BENCHMARK } from './control.js';
export type { BenchmarkContext, BenchmarkControl, ControlOutcome } from './control.js';

/** Sections 1 to 4 are listed so a report shows every control, each honestly not evaluated. */
const NODE_CONTROLS: readonly BenchmarkControl[] = NODE_ACCESS_CONTROLS.map((c) => ({
  ...cisMeta(c.id, c.title, 'info', `${c.section}: ${c.title}.`, 'Audit it on the node, e.g. with kube-bench.'),
  evaluate: (context: BenchmarkContext) => [{ status: 'not_evaluated' as const, message: 'needs node access', resource: context.cluster }],
}));

export const CIS_CONTROLS: readonly BenchmarkControl[] = [...NODE_CONTROLS, ...RBAC_CONTROLS, ...POD_SECURITY_CONTROLS, ...NETWORK_CONTROLS, ...GENERAL_CONTROLS];

export function runBenchmark(context: BenchmarkContext, controls: readonly BenchmarkControl[] = CIS_CONTROLS): RuleResult[] {
  return controls.flatMap((control) => control.evaluate(context).map((o) => ({ rule: ruleMeta(control), status: o.status, message: o.message, resource: o.resource })));
}
