import type { K8sObject } from '../../rules/types.js';
import { ref } from '../rbac.js';
import { containersOf, podSpecOf } from '../workloads.js';
import { IMAGE_POLICY_CHECK } from './node/checks.js';
import { nodeControl } from './node-controls.js';
import { SYSTEM_NAMESPACES, cisMeta, passedOr, type BenchmarkControl, type ControlOutcome } from './control.js';

type Container = { env?: Array<{ valueFrom?: { secretKeyRef?: unknown } }>; envFrom?: Array<{ secretRef?: unknown }>; securityContext?: Record<string, unknown> };

const SECRETS_AS_FILES: BenchmarkControl = {
  ...cisMeta(
    '5.4.1',
    'Prefer using Secrets as files over Secrets as environment variables',
    'medium',
    'Secrets in environment variables end up in logs, crash dumps and child processes.',
    'Mount Secrets as volumes and read them from files.',
  ),
  evaluate(context) {
    const outcomes: ControlOutcome[] = [];
    for (const workload of context.workloads) {
      const names = containersOf(podSpecOf(workload))
        .filter(({ container }) => {
          const c = container as Container;
          return (c.env ?? []).some((e) => e?.valueFrom?.secretKeyRef !== undefined) || (c.envFrom ?? []).some((e) => e?.secretRef !== undefined);
        })
        .map(({ container }) => container.name);
      if (names.length > 0) outcomes.push({ status: 'failed', message: `containers ${names.join(', ')} read Secrets into environment variables`, resource: ref(workload) });
    }
    return passedOr(outcomes, context, 'no workload reads Secrets into environment variables');
  },
};

const EXTERNAL_SECRETS: BenchmarkControl = {
  ...cisMeta('5.4.2', 'Consider external secret storage', 'low', 'Secrets kept in a dedicated secret store rather than in etcd.', 'Use an external secret store with a Kubernetes integration.'),
  evaluate(context) {
    return [{ status: 'not_evaluated', message: 'where secrets are ultimately stored is not visible through the API', resource: context.cluster }];
  },
};

const IMAGE_POLICY_WEBHOOK: BenchmarkControl = nodeControl(IMAGE_POLICY_CHECK);

const NAMESPACE_BOUNDARIES: BenchmarkControl = {
  ...cisMeta(
    '5.7.1',
    'Create administrative boundaries between resources using namespaces',
    'low',
    'Workloads are split into namespaces of their own, not kept only in default and the system namespaces.',
    'Create namespaces for teams or applications and move workloads into them.',
  ),
  evaluate(context) {
    const own = context.snapshot.namespaces.map((n) => n.metadata?.name ?? '').filter((n) => n !== 'default' && !SYSTEM_NAMESPACES.has(n));
    return [
      own.length > 0
        ? { status: 'passed', message: `namespaces in use: ${own.join(', ')}`, resource: context.cluster }
        : { status: 'failed', message: 'only default and the system namespaces exist', resource: context.cluster },
    ];
  },
};

function seccompConfined(profile: unknown): boolean {
  const type = (profile as { type?: unknown } | undefined)?.type;
  return type === 'RuntimeDefault' || type === 'Localhost';
}

const SECCOMP: BenchmarkControl = {
  ...cisMeta(
    '5.7.2',
    'Ensure that the seccomp profile is set to docker/default in your Pod definitions',
    'medium',
    'Pods run under the runtime\'s default seccomp profile (or a local one), not Unconfined.',
    'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.',
  ),
  evaluate(context) {
    const outcomes: ControlOutcome[] = [];
    for (const workload of context.workloads) {
      const spec = podSpecOf(workload);
      if (spec === undefined) continue;
      const podLevel = seccompConfined((spec.securityContext as Record<string, unknown> | undefined)?.seccompProfile);
      const unconfined = containersOf(spec)
        .filter(({ container }) => {
          const own = (container as Container).securityContext?.seccompProfile;
          return own !== undefined ? !seccompConfined(own) : !podLevel;
        })
        .map(({ container }) => container.name);
      if (unconfined.length > 0) outcomes.push({ status: 'failed', message: `no RuntimeDefault or Localhost seccomp profile for ${unconfined.join(', ')}`, resource: ref(workload) });
    }
    return passedOr(outcomes, context, 'every workload sets a seccomp profile');
  },
};

const SECURITY_CONTEXT: BenchmarkControl = {
  ...cisMeta(
    '5.7.3',
    'Apply SecurityContext to your Pods and Containers',
    'medium',
    'Workloads with no securityContext at all take every permissive default.',
    'Set a pod securityContext (runAsNonRoot, seccompProfile) and container securityContexts (allowPrivilegeEscalation: false, readOnlyRootFilesystem, dropped capabilities).',
  ),
  evaluate(context) {
    const outcomes: ControlOutcome[] = [];
    const nonEmpty = (v: unknown): boolean => v !== null && typeof v === 'object' && Object.keys(v).length > 0;
    for (const workload of context.workloads) {
      const spec = podSpecOf(workload);
      if (spec === undefined) continue;
      if (nonEmpty(spec.securityContext) || containersOf(spec).some(({ container }) => nonEmpty((container as Container).securityContext))) continue;
      outcomes.push({ status: 'failed', message: 'neither the pod nor any container sets a securityContext', resource: ref(workload) });
    }
    return passedOr(outcomes, context, 'every workload sets a securityContext');
  },
};

/** What Kubernetes itself puts in the default namespace. */
function builtIn(object: K8sObject): boolean {
  return (object.kind === 'Service' && object.metadata?.name === 'kubernetes') || (object.kind === 'ServiceAccount' && object.metadata?.name === 'default');
}

const DEFAULT_NAMESPACE: BenchmarkControl = {
  ...cisMeta(
    '5.7.4',
    'The default namespace should not be used',
    'low',
    'Resources in the default namespace share it with everything created without a namespace, and with its permissive defaults.',
    'Move the resources into namespaces of their own.',
  ),
  evaluate(context) {
    const { snapshot } = context;
    const outcomes = [...context.workloads, ...snapshot.services, ...snapshot.serviceaccounts]
      .filter((o) => o.metadata?.namespace === 'default' && !builtIn(o))
      .map<ControlOutcome>((o) => ({ status: 'failed', message: `${o.kind} ${o.metadata?.name ?? ''} is in the default namespace`, resource: ref(o) }));
    return passedOr(outcomes, context, 'the default namespace holds only what Kubernetes puts there');
  },
};

export const GENERAL_CONTROLS: readonly BenchmarkControl[] = [SECRETS_AS_FILES, EXTERNAL_SECRETS, IMAGE_POLICY_WEBHOOK, NAMESPACE_BOUNDARIES, SECCOMP, SECURITY_CONTEXT, DEFAULT_NAMESPACE];
