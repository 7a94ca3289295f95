import type { K8sRule } from './rule.js';
import {
  allContainers, asArray, asObject, asString, containersOf, describe, podSpecs,
} from './pod-specs.js';

/** Pod Security Standards, baseline profile: settings that allow known privilege escalations. */
const PSS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline';

/** Capabilities the baseline profile lets containers add; anything else is a known escalation path. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP',
  'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
]);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const SELINUX_TYPES = new Set(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

export function normaliseCapability(cap: unknown): string {
  return String(cap).toUpperCase().replace(/^CAP_/, '');
}

function hostNamespaceRule(id: string, field: 'hostNetwork' | 'hostPID' | 'hostIPC', what: string): K8sRule {
  return {
    id,
    title: `Pod shares the host ${what}`,
    severity: 'high',
    description: `With ${field}: true the pod's containers see the node's ${what}, breaking isolation from the host and other pods (PSS baseline).`,
    remediation: `Remove ${field} or set it to false.`,
    references: [PSS],
    check: (object) =>
      podSpecs(object)
        .filter((pod) => pod.spec[field] === true)
        .map((pod) => ({ message: `${field} is true`, path: [...pod.path, field] })),
  };
}

export const BASELINE_RULES: readonly K8sRule[] = [
  {
    id: 'K8S001',
    title: 'Privileged container',
    severity: 'critical',
    description: 'A privileged container has every capability and full access to the host devices; escaping to the node is trivial (PSS baseline).',
    remediation: 'Remove securityContext.privileged or set it to false; grant only the specific capabilities needed.',
    references: [PSS],
    check: (object) =>
      allContainers(object)
        .filter((c) => asObject(c.container.securityContext)?.privileged === true)
        .map((c) => ({ message: `${describe(c)} is privileged`, path: [...c.path, 'securityContext', 'privileged'] })),
  },
  hostNamespaceRule('K8S002', 'hostPID', 'process namespace'),
  hostNamespaceRule('K8S003', 'hostIPC', 'IPC namespace'),
  {
    id: 'K8S004',
    title: 'hostPath volume',
    severity: 'high',
    description: 'A hostPath volume mounts a directory of the node into the pod; writable mounts of /, /etc, /var/run/docker.sock and the like hand over the node (PSS baseline).',
    remediation: 'Use emptyDir, a ConfigMap/Secret, or a PersistentVolumeClaim instead of hostPath.',
    references: [PSS],
    check: (object) =>
      podSpecs(object).flatMap((pod) =>
        asArray(pod.spec.volumes).flatMap((v, i) => {
          const hostPath = asObject(asObject(v)?.hostPath);
          if (hostPath === undefined) return [];
          return [{ message: `volume "${asString(asObject(v)?.name) ?? i}" mounts host path ${asString(hostPath.path) ?? '(unset)'}`, path: [...pod.path, 'volumes', i, 'hostPath'] }];
        }),
      ),
  },
  hostNamespaceRule('K8S005', 'hostNetwork', 'network namespace'),
  {
    id: 'K8S006',
    title: 'Container port bound to a host port',
    severity: 'medium',
    description: 'hostPort binds the container to a port on the node, bypassing network policies and limiting scheduling (PSS baseline).',
    remediation: 'Remove hostPort and expose the pod through a Service.',
    references: [PSS],
    check: (object) =>
      allContainers(object).flatMap((c) =>
        asArray(c.container.ports).flatMap((p, i) => {
          const hostPort = asObject(p)?.hostPort;
          if (hostPort === undefined || hostPort === 0) return [];
          return [{ message: `${describe(c)} binds host port ${String(hostPort)}`, path: [...c.path, 'ports', i, 'hostPort'] }];
        }),
      ),
  },
  {
    id: 'K8S007',
    title: 'Container adds dangerous capabilities',
    severity: 'high',
    description: 'Capabilities beyond the baseline list (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL, …) allow escaping the container or attacking the node (PSS baseline).',
    remediation: 'Remove the capability from securityContext.capabilities.add; most workloads need none.',
    references: [PSS],
    check: (object) =>
      allContainers(object).flatMap((c) => {
        const add = asArray(asObject(asObject(c.container.securityContext)?.capabilities)?.add);
        const bad = add.map(normaliseCapability).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
        if (bad.length === 0) return [];
        return [{ message: `${describe(c)} adds ${bad.join(', ')}`, path: [...c.path, 'securityContext', 'capabilities', 'add'] }];
      }),
  },
  {
    id: 'K8S020',
    title: 'AppArmor profile disabled',
    severity: 'high',
    description: 'The baseline profile allows only the runtime default or a profile loaded on the node: an Unconfined (or any other) AppArmor profile removes the mandatory access control the runtime applies by default (PSS baseline).',
    remediation: 'Remove the override, or use RuntimeDefault or a Localhost profile (annotation values runtime/default or localhost/<profile>).',
    references: [PSS, 'https://kubernetes.io/docs/tutorials/security/apparmor/'],
    check: (object) =>
      podSpecs(object).flatMap((pod) => {
        const hits = [];
        const annotations = asObject(pod.metadata?.annotations) ?? {};
        for (const [key, value] of Object.entries(annotations)) {
          if (!key.startsWith(APPARMOR_ANNOTATION) || value === undefined || value === null || value === '') continue;
          const text = String(value);
          if (text !== 'runtime/default' && !text.startsWith('localhost/')) {
            hits.push({ message: `annotation ${key} is ${text} (only runtime/default and localhost/* are allowed)`, path: [...pod.metadataPath, 'annotations', key] });
          }
        }
        const places = [
          { owner: 'the pod', ctx: asObject(pod.spec.securityContext), path: [...pod.path, 'securityContext'] },
          ...containersOf(pod).map((c) => ({ owner: describe(c), ctx: asObject(c.container.securityContext), path: [...c.path, 'securityContext'] })),
        ];
        for (const { owner, ctx, path } of places) {
          const type = asObject(ctx?.appArmorProfile)?.type;
          if (type === undefined || type === null || type === '' || type === 'RuntimeDefault' || type === 'Localhost') continue;
          hits.push({ message: `${owner} has AppArmor profile type ${String(type)}`, path: [...path, 'appArmorProfile', 'type'] });
        }
        return hits;
      }),
  },
  {
    id: 'K8S021',
    title: 'Custom SELinux options',
    severity: 'medium',
    description: 'Setting an SELinux user or role, or a type other than the container types, can lift the confinement the runtime applies (PSS baseline).',
    remediation: 'Remove seLinuxOptions.user and role; use only container_t, container_init_t, container_kvm_t or container_engine_t as type.',
    references: [PSS],
    check: (object) =>
      podSpecs(object).flatMap((pod) => {
        const places = [
          { owner: 'the pod', ctx: asObject(pod.spec.securityContext), path: [...pod.path, 'securityContext', 'seLinuxOptions'] },
          ...containersOf(pod).map((c) => ({ owner: describe(c), ctx: asObject(c.container.securityContext), path: [...c.path, 'securityContext', 'seLinuxOptions'] })),
        ];
        return places.flatMap(({ owner, ctx, path }) => {
          const opts = asObject(ctx?.seLinuxOptions);
          if (opts === undefined) return [];
          const problems: string[] = [];
          if (opts.type !== undefined && opts.type !== '' && !SELINUX_TYPES.has(String(opts.type))) problems.push(`type ${String(opts.type)}`);
          if (opts.user !== undefined && opts.user !== '') problems.push(`user ${String(opts.user)}`);
          if (opts.role !== undefined && opts.role !== '') problems.push(`role ${String(opts.role)}`);
          return problems.length === 0 ? [] : [{ message: `${owner} sets SELinux ${problems.join(', ')}`, path }];
        });
      }),
  },
  {
    id: 'K8S022',
    title: 'Unmasked /proc mount',
    severity: 'high',
    description: 'procMount: Unmasked exposes the parts of /proc the runtime normally masks, such as kernel and host information (PSS baseline).',
    remediation: 'Remove securityContext.procMount or set it to Default.',
    references: [PSS],
    check: (object) =>
      allContainers(object).flatMap((c) => {
        const procMount = asObject(c.container.securityContext)?.procMount;
        if (procMount === undefined || procMount === 'Default') return [];
        return [{ message: `${describe(c)} sets procMount ${String(procMount)}`, path: [...c.path, 'securityContext', 'procMount'] }];
      }),
  },
  {
    id: 'K8S023',
    title: 'Unsafe sysctls',
    severity: 'medium',
    description: 'Sysctls outside the namespaced safe set change kernel settings shared with the node and other pods (PSS baseline).',
    remediation: 'Set only the safe sysctls, or tune the node instead.',
    references: [PSS, 'https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/'],
    check: (object) =>
      podSpecs(object).flatMap((pod) =>
        asArray(asObject(pod.spec.securityContext)?.sysctls).flatMap((s, i) => {
          const name = asString(asObject(s)?.name);
          if (name === undefined || SAFE_SYSCTLS.has(name)) return [];
          return [{ message: `sysctl ${name} is not in the safe set`, path: [...pod.path, 'securityContext', 'sysctls', i, 'name'] }];
        }),
      ),
  },
  {
    id: 'K8S029',
    title: 'Windows HostProcess container',
    severity: 'high',
    description: 'A HostProcess container runs directly on the Windows node with host privileges (PSS baseline).',
    remediation: 'Remove securityContext.windowsOptions.hostProcess or set it to false.',
    references: [PSS],
    check: (object) =>
      podSpecs(object).flatMap((pod) => {
        const hits = [];
        if (asObject(asObject(pod.spec.securityContext)?.windowsOptions)?.hostProcess === true) {
          hits.push({ message: 'the pod runs as a HostProcess', path: [...pod.path, 'securityContext', 'windowsOptions', 'hostProcess'] });
        }
        for (const c of containersOf(pod)) {
          if (asObject(asObject(c.container.securityContext)?.windowsOptions)?.hostProcess === true) {
            hits.push({ message: `${describe(c)} runs as a HostProcess`, path: [...c.path, 'securityContext', 'windowsOptions', 'hostProcess'] });
          }
        }
        return hits;
      }),
  },
];
