import type { K8sObject } from '../types.js';
import type { K8sHit, K8sRule } from './rule.js';
import { BASELINE_CAPABILITIES, normaliseCapability } from './pss-baseline.js';
import {
  allContainers, asArray, asObject, asString, containersOf, describe, effectiveSecurityField, isWindowsPod, podSpecs,
  type ContainerAt, type Path,
} from './pod-specs.js';

/** Pod Security Standards, restricted profile: current pod-hardening best practice. */
const PSS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted';

/** Containers the Linux-only restricted checks apply to (the profile exempts Windows pods). */
function linuxContainers(object: K8sObject): ContainerAt[] {
  return allContainers(object).filter((c) => !isWindowsPod(c.pod));
}

/** The alpha annotation values, as the kubelet mapped them to profile types. */
function annotationSeccompType(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value === 'runtime/default' || value === 'docker/default') return 'RuntimeDefault';
  if (value.startsWith('localhost/')) return 'Localhost';
  return value === 'unconfined' ? 'Unconfined' : value;
}

/**
 * The seccomp profile a container gets: its own field, then its alpha
 * annotation, then the pod's field, then the pod's annotation (the order the
 * kubelet applied them in).
 */
function seccompOf(c: ContainerAt): { type: string | undefined; path: Path } {
  const annotations = asObject(c.pod.metadata?.annotations) ?? {};
  const containerKey = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
  const podKey = 'seccomp.security.alpha.kubernetes.io/pod';
  const fieldType = (ctx: unknown) => asObject(asObject(ctx)?.seccompProfile)?.type;
  const candidates: Array<{ value: unknown; path: Path; annotation: boolean }> = [
    { value: fieldType(c.container.securityContext), path: [...c.path, 'securityContext', 'seccompProfile', 'type'], annotation: false },
    { value: annotations[containerKey], path: [...c.pod.metadataPath, 'annotations', containerKey], annotation: true },
    { value: fieldType(c.pod.spec.securityContext), path: [...c.pod.path, 'securityContext', 'seccompProfile', 'type'], annotation: false },
    { value: annotations[podKey], path: [...c.pod.metadataPath, 'annotations', podKey], annotation: true },
  ];
  for (const { value, path, annotation } of candidates) {
    const type = annotation ? annotationSeccompType(value) : typeof value === 'string' && value !== '' ? value : undefined;
    if (type !== undefined) return { type, path };
  }
  return { type: undefined, path: [...c.path, 'securityContext', 'seccompProfile'] };
}

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

export const RESTRICTED_RULES: readonly K8sRule[] = [
  {
    id: 'K8S008',
    title: 'Container does not drop ALL capabilities',
    severity: 'medium',
    description: 'The runtime grants a default set of capabilities (NET_RAW, CHOWN, SETUID, …); the restricted profile requires dropping ALL and adding back only what is needed.',
    remediation: 'Set securityContext.capabilities.drop: ["ALL"].',
    references: [PSS],
    check: (object) =>
      linuxContainers(object).flatMap((c) => {
        const drop = asArray(asObject(asObject(c.container.securityContext)?.capabilities)?.drop).map(normaliseCapability);
        if (drop.includes('ALL')) return [];
        return [{ message: `${describe(c)} does not drop ALL capabilities`, path: [...c.path, 'securityContext', 'capabilities', 'drop'] }];
      }),
  },
  {
    id: 'K8S009',
    title: 'Container adds capabilities other than NET_BIND_SERVICE',
    severity: 'low',
    description: 'The restricted profile allows adding back only NET_BIND_SERVICE. Capabilities outside the baseline list are reported by K8S007 instead.',
    remediation: 'Remove the capabilities from securityContext.capabilities.add, keeping at most NET_BIND_SERVICE.',
    references: [PSS],
    check: (object) =>
      linuxContainers(object).flatMap((c) => {
        const add = asArray(asObject(asObject(c.container.securityContext)?.capabilities)?.add).map(normaliseCapability);
        const extra = add.filter((cap) => cap !== 'NET_BIND_SERVICE' && BASELINE_CAPABILITIES.has(cap));
        if (extra.length === 0) return [];
        return [{ message: `${describe(c)} adds ${extra.join(', ')}`, path: [...c.path, 'securityContext', 'capabilities', 'add'] }];
      }),
  },
  {
    id: 'K8S010',
    title: 'Privilege escalation allowed',
    severity: 'medium',
    description: 'Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent, e.g. through setuid binaries (PSS restricted).',
    remediation: 'Set securityContext.allowPrivilegeEscalation: false.',
    references: [PSS],
    check: (object) =>
      linuxContainers(object).flatMap((c) => {
        if (asObject(c.container.securityContext)?.allowPrivilegeEscalation === false) return [];
        return [{ message: `${describe(c)} does not set allowPrivilegeEscalation: false`, path: [...c.path, 'securityContext', 'allowPrivilegeEscalation'] }];
      }),
  },
  {
    id: 'K8S011',
    title: 'Container may run as root',
    severity: 'medium',
    description: 'Without runAsNonRoot: true (on the pod or the container) the image decides the user, and most images run as root (PSS restricted).',
    remediation: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser, and build the image with a non-root USER.',
    references: [PSS],
    check: (object) =>
      allContainers(object).flatMap((c) => {
        const { value, path } = effectiveSecurityField(c, 'runAsNonRoot');
        if (value === true) return [];
        return [{ message: `${describe(c)} does not set runAsNonRoot: true`, path }];
      }),
  },
  {
    id: 'K8S012',
    title: 'Runs as UID 0',
    severity: 'high',
    description: 'runAsUser: 0 runs the processes as root, whatever the image says (PSS restricted).',
    remediation: 'Set runAsUser to a non-zero UID.',
    references: [PSS],
    check: (object) =>
      podSpecs(object).flatMap((pod) => {
        const hits: K8sHit[] = [];
        if (asObject(pod.spec.securityContext)?.runAsUser === 0) {
          hits.push({ message: 'the pod sets runAsUser: 0', path: [...pod.path, 'securityContext', 'runAsUser'] });
        }
        for (const c of containersOf(pod)) {
          if (asObject(c.container.securityContext)?.runAsUser === 0) {
            hits.push({ message: `${describe(c)} sets runAsUser: 0`, path: [...c.path, 'securityContext', 'runAsUser'] });
          }
        }
        return hits;
      }),
  },
  {
    id: 'K8S019',
    title: 'Seccomp profile not set to RuntimeDefault or Localhost',
    severity: 'medium',
    description: 'Without a seccomp profile, or with Unconfined, every system call is open to the container, widening the kernel attack surface (PSS restricted; Unconfined also fails baseline). The deprecated seccomp.security.alpha.kubernetes.io annotations count as well.',
    remediation: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile).',
    references: [PSS, 'https://kubernetes.io/docs/tutorials/security/seccomp/'],
    check: (object) =>
      linuxContainers(object).flatMap((c) => {
        const { type, path } = seccompOf(c);
        if (type === 'RuntimeDefault' || type === 'Localhost') return [];
        const message = type === undefined ? `${describe(c)} has no seccomp profile` : `${describe(c)} uses seccomp profile ${type}`;
        return [{ message, path }];
      }),
  },
  {
    id: 'K8S030',
    title: 'Volume type not allowed by the restricted profile',
    severity: 'medium',
    description: 'The restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes; others (nfs, iscsi, gitRepo, …) reach outside the pod. hostPath is reported by K8S004 instead.',
    remediation: 'Use a PersistentVolumeClaim backed by the storage instead of an inline volume source.',
    references: [PSS],
    check: (object) =>
      podSpecs(object).flatMap((pod) =>
        asArray(pod.spec.volumes).flatMap((v, i) => {
          const volume = asObject(v) ?? {};
          const types = Object.keys(volume).filter((k) => k !== 'name' && k !== 'hostPath' && !RESTRICTED_VOLUME_TYPES.has(k));
          return types.map((type) => ({ message: `volume "${asString(volume.name) ?? i}" is of type ${type}`, path: [...pod.path, 'volumes', i, type] }));
        }),
      ),
  },
];
