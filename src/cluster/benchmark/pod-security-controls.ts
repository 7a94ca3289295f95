import type { K8sObject } from '../../rules/types.js';
import { SYSTEM_NAMESPACES, cisMeta, type BenchmarkControl, type ControlOutcome } from './control.js';

const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
type Level = (typeof LEVELS)[number];
const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const PSA_DOC = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

function enforcedLevel(namespace: K8sObject): Level | undefined {
  const value = namespace.metadata?.labels?.[ENFORCE_LABEL];
  return (LEVELS as readonly string[]).includes(value ?? '') ? (value as Level) : undefined;
}

function userNamespaces(namespaces: K8sObject[]): K8sObject[] {
  return namespaces.filter((ns) => !SYSTEM_NAMESPACES.has(ns.metadata?.name ?? ''));
}

const OTHER_ENGINES = 'policies of other admission controllers (Kyverno, Gatekeeper) are not read';

const POLICY_IN_PLACE: BenchmarkControl = {
  ...cisMeta(
    '5.2.1',
    'Ensure that the cluster has at least one active policy control mechanism in place',
    'high',
    `Each namespace with user workloads enforces Pod Security baseline or restricted (${ENFORCE_LABEL}).`,
    `Label each namespace with ${ENFORCE_LABEL}=baseline or restricted.`,
  ),
  references: [PSA_DOC],
  evaluate(context) {
    return userNamespaces(context.snapshot.namespaces).map<ControlOutcome>((ns) => {
      const level = enforcedLevel(ns);
      const resource = { kind: 'Namespace', name: ns.metadata?.name ?? '' };
      if (level === undefined) return { status: 'failed', message: `no valid ${ENFORCE_LABEL} label; ${OTHER_ENGINES}`, resource };
      // Enforcing "privileged" is a label that admits everything, not a policy.
      if (level === 'privileged') return { status: 'failed', message: `Pod Security admission enforces privileged, which admits any pod; ${OTHER_ENGINES}`, resource };
      return { status: 'passed', message: `Pod Security admission enforces ${level}`, resource };
    });
  },
};

/**
 * 5.2.2 to 5.2.13 ask that each namespace refuses some kind of pod. Through the
 * API that is decidable for Pod Security admission: the enforced level either
 * forbids it (baseline for host namespaces, privileged, hostPath, hostPorts;
 * restricted for root, privilege escalation and capabilities) or does not.
 */
function admissionControl(id: string, title: string, needs: Level, what: string): BenchmarkControl {
  return {
    ...cisMeta(id, title, needs === 'restricted' ? 'medium' : 'high', `Namespaces must refuse ${what}; Pod Security level ${needs} does.`, `Label the namespace ${ENFORCE_LABEL}=${needs}.`),
    references: [PSA_DOC],
    evaluate(context) {
      return userNamespaces(context.snapshot.namespaces).map<ControlOutcome>((ns) => {
        const level = enforcedLevel(ns);
        const resource = { kind: 'Namespace', name: ns.metadata?.name ?? '' };
        if (level !== undefined && LEVELS.indexOf(level) >= LEVELS.indexOf(needs)) return { status: 'passed', message: `enforced level ${level} refuses ${what}`, resource };
        const why = level === undefined ? 'no Pod Security level is enforced, so the namespace admits' : `enforced level ${level} admits`;
        return { status: 'failed', message: `${why} ${what}; ${OTHER_ENGINES}`, resource };
      });
    },
  };
}

export const POD_SECURITY_CONTROLS: readonly BenchmarkControl[] = [
  POLICY_IN_PLACE,
  admissionControl('5.2.2', 'Minimize the admission of privileged containers', 'baseline', 'privileged containers'),
  admissionControl('5.2.3', 'Minimize the admission of containers wishing to share the host process ID namespace', 'baseline', 'hostPID pods'),
  admissionControl('5.2.4', 'Minimize the admission of containers wishing to share the host IPC namespace', 'baseline', 'hostIPC pods'),
  admissionControl('5.2.5', 'Minimize the admission of containers wishing to share the host network namespace', 'baseline', 'hostNetwork pods'),
  admissionControl('5.2.6', 'Minimize the admission of containers with allowPrivilegeEscalation', 'restricted', 'containers allowing privilege escalation'),
  admissionControl('5.2.7', 'Minimize the admission of root containers', 'restricted', 'containers that may run as root'),
  admissionControl('5.2.8', 'Minimize the admission of containers with the NET_RAW capability', 'restricted', 'containers keeping NET_RAW'),
  admissionControl('5.2.9', 'Minimize the admission of containers with added capabilities', 'restricted', 'containers adding capabilities'),
  admissionControl('5.2.10', 'Minimize the admission of containers with capabilities assigned', 'restricted', 'containers that do not drop ALL capabilities'),
  admissionControl('5.2.11', 'Minimize the admission of Windows HostProcess containers', 'baseline', 'Windows HostProcess containers'),
  admissionControl('5.2.12', 'Minimize the admission of HostPath volumes', 'baseline', 'hostPath volumes'),
  admissionControl('5.2.13', 'Minimize the admission of containers which use HostPorts', 'baseline', 'host ports'),
];
