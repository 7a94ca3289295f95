import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { STATIC_COMPONENTS, staticPod, type StaticComponent } from './kubeadm.js';

/**
 * A kubeadm v1.27 node's file system, written into `root` with the modes
 * kubeadm and its packages give each file: manifests, kubeconfigs and keys
 * 600, certificates, the kubelet config and the systemd drop-in 644, the etcd
 * data directory 700 root:root. `hardened` applies what the CIS benchmark
 * asks on top (600 everywhere, etcd:etcd, hardening flags and settings);
 * `misconfigured` adds common mistakes to kubeadm's defaults.
 */
export type NodeRootProfile = 'kubeadm' | 'hardened' | 'misconfigured';

export interface NodeRootOptions {
  node: string;
  ip: string;
  controlPlane: boolean;
  profile: NodeRootProfile;
}

/** A real self-signed certificate (openssl, Ed25519): every .crt holds it. Content is never checked, only modes and owners. */
const CERT = `-----BEGIN CERTIFICATE-----
MIIBPjCB8aADAgECAhQB597P4Ttwh1jrB8dgdgFLSukX2TAFBgMrZXAwFTETMBEG
A1UEAwwKa3ViZXJuZXRlczAeFw0yNjEyMDgwMzAwMzZaFw0zNjEyMDUwMzAwMzZa
MBUxEzARBgNVBAMMCmt1YmVybmV0ZXMwKjAFBgMrZXADIQD8B0dJwUG9lC0GAWPt
W4HPhQ37ZWg9wSmUeYF0fIbf8KNTMFEwHQYDVR0OBBYEFKrblFGVmGzqUoOQDLi8
mLM5n/eiMB8GA1UdIwQYMBaAFKrblFGVmGzqUoOQDLi8mLM5n/eiMA8GA1UdEwEB
/wQFMAMBAf8wBQYDK2VwA0EA+eA42jCkwZU1oSSl3XmLM4IezYLHdwzWFQPGfw6a
2sXeptD+CznU8BPlr4JB2S8uyX11Dbm5vnUxfIOclqAADg==
-----END CERTIFICATE-----
`;

const ETCD_UID = 996;

function write(root: string, path: string, content: string, mode: number, owner: [number, number] = [0, 0]): void {
  const local = join(root, path);
  mkdirSync(dirname(local), { recursive: true, mode: 0o755 });
  writeFileSync(local, content);
  chmodSync(local, mode);
  chownSync(local, owner[0], owner[1]);
}

function kubeconfig(user: string, server: string): string {
  const b64 = Buffer.from(CERT).toString('base64');
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64, server }, name: 'kubernetes' }],
    contexts: [{ context: { cluster: 'kubernetes', user }, name: `${user}@kubernetes` }],
    'current-context': `${user}@kubernetes`,
    kind: 'Config',
    preferences: {},
    users: [{ name: user, user: { 'client-certificate-data': b64, 'client-key-data': Buffer.from(key()).toString('base64') } }],
  });
}

function key(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** /var/lib/kubelet/config.yaml as `kubeadm init`/`join` write it (zero durations are kubeadm's, and mean "default"). */
function kubeletConfig(profile: NodeRootProfile): Record<string, unknown> {
  const config: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    authentication: { anonymous: { enabled: false }, webhook: { cacheTTL: '0s', enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd',
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    containerRuntimeEndpoint: '',
    cpuManagerReconcilePeriod: '0s',
    evictionPressureTransitionPeriod: '0s',
    fileCheckFrequency: '0s',
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    httpCheckFrequency: '0s',
    imageMinimumGCAge: '0s',
    kind: 'KubeletConfiguration',
    logging: { flushFrequency: 0, options: { json: { infoBufferSize: '0' } }, verbosity: 0 },
    memorySwap: {},
    nodeStatusReportFrequency: '0s',
    nodeStatusUpdateFrequency: '0s',
    rotateCertificates: true,
    runtimeRequestTimeout: '0s',
    shutdownGracePeriod: '0s',
    shutdownGracePeriodCriticalPods: '0s',
    staticPodPath: '/etc/kubernetes/manifests',
    streamingConnectionIdleTimeout: '0s',
    syncFrequency: '0s',
    volumeStatsAggPeriod: '0s',
  };
  if (profile === 'hardened') {
    Object.assign(config, {
      readOnlyPort: 0,
      podPidsLimit: 4096,
      tlsCertFile: '/var/lib/kubelet/pki/kubelet.crt',
      tlsPrivateKeyFile: '/var/lib/kubelet/pki/kubelet.key',
      tlsCipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
      featureGates: { RotateKubeletServerCertificate: true },
      serverTLSBootstrap: true,
    });
  }
  if (profile === 'misconfigured') {
    Object.assign(config, { authentication: { anonymous: { enabled: true }, webhook: { enabled: false }, x509: {} }, authorization: { mode: 'AlwaysAllow' }, readOnlyPort: 10255, makeIPTablesUtilChains: false });
  }
  return config;
}

/** kubeadm's kube-proxy ConfigMap, config.conf, as the kubelet mounts it into the kube-proxy pod. */
function kubeProxyConfig(profile: NodeRootProfile): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    bindAddress: '0.0.0.0',
    bindAddressHardFail: false,
    clientConnection: { acceptContentTypes: '', burst: 0, contentType: '', kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf', qps: 0 },
    clusterCIDR: '10.244.0.0/16',
    configSyncPeriod: '0s',
    conntrack: { maxPerCore: null, min: null, tcpCloseWaitTimeout: null, tcpEstablishedTimeout: null },
    enableProfiling: false,
    healthzBindAddress: '',
    hostnameOverride: '',
    iptables: { localhostNodePorts: null, masqueradeAll: false, masqueradeBit: null, minSyncPeriod: '0s', syncPeriod: '0s' },
    kind: 'KubeProxyConfiguration',
    metricsBindAddress: profile === 'hardened' ? '127.0.0.1:10249' : profile === 'misconfigured' ? '0.0.0.0:10249' : '',
    mode: '',
    nodePortAddresses: null,
    oomScoreAdj: null,
    portRange: '',
  });
}

const KUBEADM_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

const KUBELET_SERVICE = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

const FLANNEL_CONFLIST = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    { "type": "flannel", "delegate": { "hairpinMode": true, "isDefaultGateway": true } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
`;

const ENCRYPTION_CONFIG = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
      - identity: {}
`;

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps"]
  - level: RequestResponse
    verbs: ["create", "update", "patch", "delete"]
    resources:
      - group: "rbac.authorization.k8s.io"
  - level: Metadata
`;

/** Extra flags per static pod, kubeadm's extraArgs in a ClusterConfiguration. */
function extraArgs(profile: NodeRootProfile): Partial<Record<StaticComponent, string[]>> {
  if (profile === 'misconfigured') return { 'kube-apiserver': ['--anonymous-auth=true', '--profiling=true', '--authorization-mode=AlwaysAllow'], 'kube-controller-manager': ['--bind-address=0.0.0.0'] };
  if (profile !== 'hardened') return {};
  return {
    'kube-apiserver': [
      '--anonymous-auth=false',
      '--profiling=false',
      '--audit-log-path=/var/log/kubernetes/audit/audit.log',
      '--audit-log-maxage=30',
      '--audit-log-maxbackup=10',
      '--audit-log-maxsize=100',
      '--audit-policy-file=/etc/kubernetes/audit-policy.yaml',
      '--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt',
      '--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs,ImagePolicyWebhook',
      '--admission-control-config-file=/etc/kubernetes/admission/admission.yaml',
      '--encryption-provider-config=/etc/kubernetes/enc/encryption.yaml',
      '--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    ],
    'kube-controller-manager': ['--profiling=false', '--terminated-pod-gc-threshold=10'],
    'kube-scheduler': ['--profiling=false'],
  };
}

const CP_PKI = ['ca', 'apiserver', 'apiserver-kubelet-client', 'apiserver-etcd-client', 'front-proxy-ca', 'front-proxy-client', 'etcd/ca', 'etcd/server', 'etcd/peer', 'etcd/healthcheck-client'];

/** Writes a kubeadm node's files under `root`; the caller removes it. */
export function writeNodeRoot(root: string, options: NodeRootOptions): void {
  const { node, ip, controlPlane, profile } = options;
  const hardened = profile === 'hardened';
  const pub = hardened ? 0o600 : 0o644;
  mkdirSync(root, { recursive: true });
  write(root, '/etc/hostname', `${node}\n`, 0o644);
  write(
    root,
    '/etc/passwd',
    `root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsystemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin\n${hardened ? `etcd:x:${ETCD_UID}:${ETCD_UID}:etcd user:/var/lib/etcd:/usr/sbin/nologin\n` : ''}`,
    0o644,
  );
  write(root, '/etc/group', `root:x:0:\ndaemon:x:1:\nsystemd-network:x:998:\n${hardened ? `etcd:x:${ETCD_UID}:\n` : ''}`, 0o644);

  // The kubelet, on every node.
  write(root, '/lib/systemd/system/kubelet.service', KUBELET_SERVICE, pub);
  write(root, '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', KUBEADM_DROPIN, pub);
  write(root, '/var/lib/kubelet/kubeadm-flags.env', 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"\n', 0o644);
  write(root, '/var/lib/kubelet/config.yaml', stringify(kubeletConfig(profile)), hardened ? 0o600 : 0o644);
  write(root, '/etc/kubernetes/kubelet.conf', kubeconfig(`system:node:${node}`, 'https://10.0.0.10:6443'), 0o600);
  write(root, '/etc/kubernetes/pki/ca.crt', CERT, pub);
  if (hardened) {
    write(root, '/var/lib/kubelet/pki/kubelet.crt', CERT, 0o600);
    write(root, '/var/lib/kubelet/pki/kubelet.key', key(), 0o600);
  }
  write(root, '/etc/cni/net.d/10-flannel.conflist', FLANNEL_CONFLIST, pub);
  write(root, '/var/lib/kubelet/pods/6f1c2a0e-5b7d-4e8a-9c3f-2d1e0b9a8c7d/volumes/kubernetes.io~configmap/kube-proxy/config.conf', kubeProxyConfig(profile), 0o644);

  if (!controlPlane) return;
  for (const component of STATIC_COMPONENTS) {
    write(root, `/etc/kubernetes/manifests/${component}.yaml`, stringify(staticPod(component, node, ip, extraArgs(profile)[component] ?? [])), 0o600);
  }
  write(root, '/etc/kubernetes/admin.conf', kubeconfig('kubernetes-admin', `https://${ip}:6443`), profile === 'misconfigured' ? 0o644 : 0o600);
  write(root, '/etc/kubernetes/controller-manager.conf', kubeconfig('system:kube-controller-manager', `https://${ip}:6443`), 0o600);
  write(root, '/etc/kubernetes/scheduler.conf', kubeconfig('system:kube-scheduler', `https://${ip}:6443`), 0o600);
  for (const name of CP_PKI) {
    write(root, `/etc/kubernetes/pki/${name}.crt`, CERT, pub);
    write(root, `/etc/kubernetes/pki/${name}.key`, key(), 0o600);
  }
  write(root, '/etc/kubernetes/pki/sa.key', key(), 0o600);
  write(root, '/etc/kubernetes/pki/sa.pub', generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(), pub);
  const etcdOwner: [number, number] = hardened ? [ETCD_UID, ETCD_UID] : [0, 0];
  write(root, '/var/lib/etcd/member/snap/db', '', 0o600, etcdOwner);
  write(root, '/var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal', '', 0o600, etcdOwner);
  for (const dir of ['/var/lib/etcd', '/var/lib/etcd/member', '/var/lib/etcd/member/snap', '/var/lib/etcd/member/wal']) {
    chmodSync(join(root, dir), 0o700);
    chownSync(join(root, dir), ...etcdOwner);
  }
  if (hardened) {
    write(root, '/etc/kubernetes/enc/encryption.yaml', ENCRYPTION_CONFIG, 0o600);
    write(root, '/etc/kubernetes/audit-policy.yaml', AUDIT_POLICY, 0o600);
  }
}
