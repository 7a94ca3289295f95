import type { K8sObject } from '../../../src/rules/types.js';

/**
 * The static pod manifests `kubeadm init` writes to /etc/kubernetes/manifests
 * (kubeadm v1.27, one control-plane node, stacked etcd), with their real
 * command lines, images, probes and host mounts. `extra` appends or
 * replaces flags per component, the way kubeadm's extraArgs do.
 */
export type StaticComponent = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd';
export const STATIC_COMPONENTS: readonly StaticComponent[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

const PKI = '/etc/kubernetes/pki';

export function kubeadmFlags(node: string, ip: string): Record<StaticComponent, string[]> {
  return {
    'kube-apiserver': [
      `--advertise-address=${ip}`,
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      `--client-ca-file=${PKI}/ca.crt`,
      '--enable-admission-plugins=NodeRestriction',
      '--enable-bootstrap-token-auth=true',
      `--etcd-cafile=${PKI}/etcd/ca.crt`,
      `--etcd-certfile=${PKI}/apiserver-etcd-client.crt`,
      `--etcd-keyfile=${PKI}/apiserver-etcd-client.key`,
      '--etcd-servers=https://127.0.0.1:2379',
      `--kubelet-client-certificate=${PKI}/apiserver-kubelet-client.crt`,
      `--kubelet-client-key=${PKI}/apiserver-kubelet-client.key`,
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      `--proxy-client-cert-file=${PKI}/front-proxy-client.crt`,
      `--proxy-client-key-file=${PKI}/front-proxy-client.key`,
      '--requestheader-allowed-names=front-proxy-client',
      `--requestheader-client-ca-file=${PKI}/front-proxy-ca.crt`,
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-username-headers=X-Remote-User',
      '--secure-port=6443',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${PKI}/sa.pub`,
      `--service-account-signing-key-file=${PKI}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/12',
      `--tls-cert-file=${PKI}/apiserver.crt`,
      `--tls-private-key-file=${PKI}/apiserver.key`,
    ],
    'kube-controller-manager': [
      '--allocate-node-cidrs=true',
      '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--bind-address=127.0.0.1',
      `--client-ca-file=${PKI}/ca.crt`,
      '--cluster-cidr=10.244.0.0/16',
      '--cluster-name=kubernetes',
      `--cluster-signing-cert-file=${PKI}/ca.crt`,
      `--cluster-signing-key-file=${PKI}/ca.key`,
      '--controllers=*,bootstrapsigner,tokencleaner',
      '--kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--leader-elect=true',
      `--requestheader-client-ca-file=${PKI}/front-proxy-ca.crt`,
      `--root-ca-file=${PKI}/ca.crt`,
      `--service-account-private-key-file=${PKI}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/12',
      '--use-service-account-credentials=true',
    ],
    'kube-scheduler': [
      '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/scheduler.conf',
      '--leader-elect=true',
    ],
    etcd: [
      `--advertise-client-urls=https://${ip}:2379`,
      `--cert-file=${PKI}/etcd/server.crt`,
      '--client-cert-auth=true',
      '--data-dir=/var/lib/etcd',
      '--experimental-initial-corrupt-check=true',
      '--experimental-watch-progress-notify-interval=5s',
      `--initial-advertise-peer-urls=https://${ip}:2380`,
      `--initial-cluster=${node}=https://${ip}:2380`,
      `--key-file=${PKI}/etcd/server.key`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
      '--listen-metrics-urls=http://127.0.0.1:2381',
      `--listen-peer-urls=https://${ip}:2380`,
      `--name=${node}`,
      `--peer-cert-file=${PKI}/etcd/peer.crt`,
      '--peer-client-cert-auth=true',
      `--peer-key-file=${PKI}/etcd/peer.key`,
      `--peer-trusted-ca-file=${PKI}/etcd/ca.crt`,
      '--snapshot-count=10000',
      `--trusted-ca-file=${PKI}/etcd/ca.crt`,
    ],
  };
}

const IMAGES: Record<StaticComponent, string> = {
  'kube-apiserver': 'registry.k8s.io/kube-apiserver:v1.27.16',
  'kube-controller-manager': 'registry.k8s.io/kube-controller-manager:v1.27.16',
  'kube-scheduler': 'registry.k8s.io/kube-scheduler:v1.27.16',
  etcd: 'registry.k8s.io/etcd:3.5.12-0',
};

const MOUNTS: Record<StaticComponent, Array<[string, string, string]>> = {
  'kube-apiserver': [
    ['ca-certs', '/etc/ssl/certs', 'DirectoryOrCreate'],
    ['etc-ca-certificates', '/etc/ca-certificates', 'DirectoryOrCreate'],
    ['k8s-certs', PKI, 'DirectoryOrCreate'],
    ['usr-local-share-ca-certificates', '/usr/local/share/ca-certificates', 'DirectoryOrCreate'],
    ['usr-share-ca-certificates', '/usr/share/ca-certificates', 'DirectoryOrCreate'],
  ],
  'kube-controller-manager': [
    ['ca-certs', '/etc/ssl/certs', 'DirectoryOrCreate'],
    ['flexvolume-dir', '/usr/libexec/kubernetes/kubelet-plugins/volume/exec', 'DirectoryOrCreate'],
    ['k8s-certs', PKI, 'DirectoryOrCreate'],
    ['kubeconfig', '/etc/kubernetes/controller-manager.conf', 'FileOrCreate'],
  ],
  'kube-scheduler': [['kubeconfig', '/etc/kubernetes/scheduler.conf', 'FileOrCreate']],
  etcd: [
    ['etcd-certs', `${PKI}/etcd`, 'DirectoryOrCreate'],
    ['etcd-data', '/var/lib/etcd', 'DirectoryOrCreate'],
  ],
};

const PROBE_PORT: Record<StaticComponent, [string, number, string]> = {
  'kube-apiserver': ['/livez', 6443, 'HTTPS'],
  'kube-controller-manager': ['/healthz', 10257, 'HTTPS'],
  'kube-scheduler': ['/healthz', 10259, 'HTTPS'],
  etcd: ['/health?exclude=NOSPACE&serializable=true', 2381, 'HTTP'],
};

/** Flags replaced or added by name ("--anonymous-auth=true"), as kubeadm's extraArgs do. */
function withExtra(flags: string[], extra: readonly string[]): string[] {
  const name = (f: string) => f.split('=')[0];
  const out = flags.filter((f) => !extra.some((e) => name(e) === name(f)));
  return [...out, ...extra].sort();
}

/** One static pod manifest, as kubeadm writes it. */
export function staticPod(component: StaticComponent, node: string, ip: string, extra: readonly string[] = []): K8sObject {
  const [path, port, scheme] = PROBE_PORT[component];
  const probeHost = component === 'kube-apiserver' ? ip : '127.0.0.1';
  const probe = (failureThreshold: number) => ({ failureThreshold, httpGet: { host: probeHost, path, port, scheme }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(component === 'kube-apiserver' ? { annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${ip}:6443` } } : {}),
      ...(component === 'etcd' ? { annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${ip}:2379` } } : {}),
      creationTimestamp: null,
      labels: { component, tier: 'control-plane' },
      name: component,
      namespace: 'kube-system',
    },
    spec: {
      containers: [
        {
          command: [component, ...withExtra(kubeadmFlags(node, ip)[component], extra)],
          image: IMAGES[component],
          imagePullPolicy: 'IfNotPresent',
          livenessProbe: probe(8),
          name: component,
          resources: { requests: { cpu: component === 'kube-scheduler' ? '100m' : component === 'etcd' ? '100m' : component === 'kube-apiserver' ? '250m' : '200m' } },
          startupProbe: probe(24),
          volumeMounts: MOUNTS[component].map(([name, mountPath]) => ({ mountPath, name, ...(mountPath.startsWith('/etc/kubernetes') && !mountPath.endsWith('etcd') ? { readOnly: true } : {}) })),
        },
      ],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes: MOUNTS[component].map(([name, p, type]) => ({ hostPath: { path: p, type }, name })),
    },
    status: {},
  };
}

/** The pod the API server shows for a static pod: named after its node, bound to it, marked as a mirror. */
export function mirrorPod(manifest: K8sObject, node: string): K8sObject {
  const metadata = manifest.metadata ?? {};
  return {
    ...manifest,
    metadata: { ...metadata, name: `${metadata.name ?? ''}-${node}`, annotations: { ...(metadata.annotations ?? {}), 'kubernetes.io/config.mirror': 'a1b2c3', 'kubernetes.io/config.source': 'file' } },
    spec: { ...(manifest.spec as object), nodeName: node },
  };
}
