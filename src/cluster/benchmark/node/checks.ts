import type { RuleStatus } from '../../../rules/types.js';
import { featureGates, listOf, type FileFacts, type FileGroup, type Flags, type NodeComponent, type NodeEvidence } from './evidence.js';

/** A node control's verdict on one node. */
export interface Verdict {
  status: RuleStatus;
  message: string;
}

/**
 * One CIS control of sections 1 to 4, decided on one node. `evaluate`
 * returns undefined when the control is not about this node (a worker has
 * no API server). Manual controls (CIS marks them so) have no evaluate.
 */
export interface NodeCheck {
  id: string;
  title: string;
  section: string;
  evaluate?: (evidence: NodeEvidence) => Verdict | undefined;
  /** Why CIS leaves it to a person; set exactly on the controls CIS marks manual. */
  manual?: string;
}

const passed = (message: string): Verdict => ({ status: 'passed', message });
const failed = (message: string): Verdict => ({ status: 'failed', message });
const notSeen = (message: string): Verdict => ({ status: 'not_evaluated', message });

const show = (flags: Flags, flag: string): string => (flags[flag] === undefined ? `${flag} is not set` : `${flag}=${flags[flag]}`);

// ---- flag tests (kube-bench's ops: set, eq, has, nothave, gte, valid_elements) ----

type FlagTest = (flags: Flags, evidence: NodeEvidence) => Verdict;

const isSet =
  (...names: string[]): FlagTest =>
  (f) => {
    const missing = names.filter((n) => f[n] === undefined || f[n] === '');
    return missing.length === 0 ? passed(names.map((n) => show(f, n)).join(', ')) : failed(`${missing.join(' and ')} not set`);
  };
const notSet =
  (name: string): FlagTest =>
  (f) =>
    f[name] === undefined ? passed(`${name} is not set`) : failed(show(f, name));
const equals =
  (name: string, want: string, unsetPasses = false): FlagTest =>
  (f) =>
    f[name] === want || (unsetPasses && f[name] === undefined) ? passed(show(f, name)) : failed(show(f, name));
const notEquals =
  (name: string, bad: string): FlagTest =>
  (f) =>
    f[name] !== bad ? passed(show(f, name)) : failed(show(f, name));
const includes =
  (name: string, item: string): FlagTest =>
  (f) =>
    listOf(f[name]).includes(item) ? passed(`${name} includes ${item}`) : failed(`${show(f, name)}; it must include ${item}`);
const excludes =
  (name: string, item: string): FlagTest =>
  (f) =>
    listOf(f[name]).includes(item) ? failed(`${name} includes ${item}`) : passed(f[name] === undefined ? `${name} is not set` : `${name} does not include ${item}`);
const atLeast =
  (name: string, min: number): FlagTest =>
  (f) =>
    Number(f[name]) >= min && f[name] !== '' ? passed(show(f, name)) : failed(`${show(f, name)}; it must be ${min} or more`);
const onlyFrom =
  (name: string, allowed: readonly string[]): FlagTest =>
  (f) => {
    if (f[name] === undefined) return failed(`${name} is not set, so the defaults (weak ciphers included) apply`);
    const weak = listOf(f[name]).filter((c) => !allowed.includes(c));
    return weak.length === 0 ? passed(`${name} lists strong ciphers only`) : failed(`${name} includes ${weak.join(', ')}`);
  };

function onFlags(component: NodeComponent, test: FlagTest): (e: NodeEvidence) => Verdict | undefined {
  return (e) => {
    const flags = e.flags[component];
    if (flags === undefined) return undefined;
    const why = e.unreadable?.[component];
    return why !== undefined ? notSeen(why) : test(flags, e);
  };
}

// ---- file tests ----

const octal = (mode: number): string => mode.toString(8).padStart(3, '0');

/** The first few of a list, and how many more: a PKI directory can hold dozens of files. */
function some(items: string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;
}

function onFiles(component: NodeComponent, group: FileGroup, what: string, test: (files: FileFacts[]) => Verdict): (e: NodeEvidence) => Verdict | undefined {
  return (e) => {
    if (e.flags[component] === undefined) return undefined;
    if (e.files === undefined) return notSeen(`file permissions and owners are not visible through the API; run openhss agent on node ${e.node}`);
    const files = e.files[group];
    return files.length === 0 ? passed(`no ${what} on this node`) : test(files);
  };
}

const modeAtMost =
  (max: number, filter: (f: FileFacts) => boolean = () => true) =>
  (files: FileFacts[]): Verdict => {
    const chosen = files.filter(filter);
    const loose = chosen.filter((f) => (f.mode & ~max & 0o7777) !== 0);
    if (chosen.length === 0) return passed('no such file on this node');
    return loose.length === 0
      ? passed(`${chosen.length === 1 ? chosen[0]!.path : `${chosen.length} files`} mode ${chosen.length === 1 ? octal(chosen[0]!.mode) : `${octal(max)} or stricter`}`)
      : failed(`${some(loose.map((f) => `${f.path} is ${octal(f.mode)}`))}; ${octal(max)} or stricter expected`);
  };

const ownedBy =
  (owner: string, group: string) =>
  (files: FileFacts[]): Verdict => {
    const wrong = files.filter((f) => f.owner !== owner || f.group !== group);
    return wrong.length === 0
      ? passed(`${files.length === 1 ? files[0]!.path : `${files.length} files`} owned by ${owner}:${group}`)
      : failed(`${some(wrong.map((f) => `${f.path} is ${f.owner}:${f.group}`))}; ${owner}:${group} expected`);
  };

// ---- the kubelet: a flag overrides its config file ----

function configAt(config: Record<string, unknown> | undefined, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** The kubelet's setting as a string: the flag when given, else the config file's field; undefined when neither sets it. */
function kubeletSetting(e: NodeEvidence, flag: string, path: string): { value: string | undefined; from: string } {
  const fromFlag = e.flags.kubelet?.[flag];
  if (fromFlag !== undefined) return { value: fromFlag, from: flag };
  const value = configAt(e.kubeletConfig, path);
  const text = value === undefined || value === null ? undefined : Array.isArray(value) ? value.join(',') : String(value);
  return { value: text, from: path };
}

/**
 * `defaults`: the value when neither the flag nor the config file sets it,
 * [with a config file (the v1beta1 defaults), with flags only]. Absent: the
 * control asks for an explicit setting, as kube-bench does.
 */
function onKubelet(flag: string, path: string, test: (value: string | undefined) => boolean, need: string, defaults?: [string, string]): (e: NodeEvidence) => Verdict | undefined {
  return (e) => {
    if (e.flags.kubelet === undefined) return undefined;
    const setting = kubeletSetting(e, flag, path);
    let { value } = setting;
    let shown = value === undefined ? `neither ${flag} nor ${path} in the config file is set` : `${setting.from} is ${value}`;
    if (value === undefined && defaults !== undefined) {
      value = e.kubeletConfig !== undefined ? defaults[0] : defaults[1];
      shown += e.kubeletConfig !== undefined ? `: the config file's default, ${value}` : `: with no config file the flag's default, ${value}`;
    }
    return test(value) ? passed(shown) : failed(`${shown}; ${need}`);
  };
}

const STRONG_API_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
];
const STRONG_KUBELET_CIPHERS = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_RSA_WITH_AES_128_GCM_SHA256',
];
/** Providers that encrypt (identity stores plain text). */
const ENCRYPTING_PROVIDERS = ['aescbc', 'kms', 'secretbox'];

const ZERO_DURATION = /^0+(\.0*)?([a-z]+)?$/;

const API = 'kube-apiserver';
const CM = 'kube-controller-manager';
const SCHED = 'kube-scheduler';

const FILES = 'Control Plane Node Configuration Files';
const APISERVER = 'API Server';
const WORKER_FILES = 'Worker Node Configuration Files';

function fileControls(id: number, component: NodeComponent, group: FileGroup, what: string, max: number): NodeCheck[] {
  return [
    { id: `1.1.${id}`, title: `Ensure that the ${what} file permissions are set to ${octal(max)} or more restrictive`, section: FILES, evaluate: onFiles(component, group, what, modeAtMost(max)) },
    { id: `1.1.${id + 1}`, title: `Ensure that the ${what} file ownership is set to root:root`, section: FILES, evaluate: onFiles(component, group, what, ownedBy('root', 'root')) },
  ];
}

function workerFileControls(id: number, group: FileGroup, what: string, title: [string, string]): NodeCheck[] {
  return [
    { id: `4.1.${id}`, title: title[0], section: WORKER_FILES, evaluate: onFiles('kubelet', group, what, modeAtMost(0o600)) },
    { id: `4.1.${id + 1}`, title: title[1], section: WORKER_FILES, evaluate: onFiles('kubelet', group, what, ownedBy('root', 'root')) },
  ];
}

const api = (id: string, title: string, test: FlagTest): NodeCheck => ({ id, title, section: APISERVER, evaluate: onFlags(API, test) });

const ENCRYPTION_PROVIDERS: NodeCheck = {
  id: '1.2.28',
  title: 'Ensure that encryption providers are appropriately configured',
  section: APISERVER,
  evaluate: onFlags(API, (f, e) => {
    if (f['--encryption-provider-config'] === undefined) return failed('--encryption-provider-config is not set: Secrets are stored unencrypted');
    if (e.source === 'api') return notSeen(`the encryption configuration is a file on node ${e.node}; run openhss agent there`);
    const providers = e.encryptionProviders;
    if (providers === undefined || providers === null) return failed(`cannot read the encryption configuration ${f['--encryption-provider-config']}`);
    const first = providers[0];
    return first !== undefined && ENCRYPTING_PROVIDERS.includes(first)
      ? passed(`Secrets are encrypted with ${first}`)
      : failed(`the first provider for Secrets is ${first ?? 'missing'}; one of ${ENCRYPTING_PROVIDERS.join(', ')} expected`);
  }),
};

const UNIQUE_ETCD_CA: NodeCheck = {
  id: '2.7',
  title: 'Ensure that a unique Certificate Authority is used for etcd',
  section: 'Etcd Node Configuration',
  evaluate: onFlags('etcd', (f, e) => {
    const ca = f['--trusted-ca-file'];
    if (ca === undefined) return failed('--trusted-ca-file is not set');
    const apiCa = e.flags[API]?.['--client-ca-file'];
    return apiCa === ca ? failed(`etcd trusts ${ca}, the same CA the API server uses for its clients`) : passed(`etcd trusts its own CA ${ca}`);
  }),
};

function etcdDataDir(): NodeCheck[] {
  return [
    { id: '1.1.11', title: 'Ensure that the etcd data directory permissions are set to 700 or more restrictive', section: FILES, evaluate: onFiles('etcd', 'etcd-data', 'etcd data directory', modeAtMost(0o700)) },
    { id: '1.1.12', title: 'Ensure that the etcd data directory ownership is set to etcd:etcd', section: FILES, evaluate: onFiles('etcd', 'etcd-data', 'etcd data directory', ownedBy('etcd', 'etcd')) },
  ];
}

const isCert = (f: FileFacts) => !f.directory && f.path.endsWith('.crt');
const isKey = (f: FileFacts) => !f.directory && f.path.endsWith('.key');

const MANUAL_USERS = 'which authentication methods people use is an organisational decision the configuration does not show';

/** Sections 1 to 4 of CIS Kubernetes Benchmark v1.10.0, in its order. */
export const NODE_CHECKS: readonly NodeCheck[] = [
  ...fileControls(1, API, 'apiserver-manifest', 'API server pod specification', 0o600),
  ...fileControls(3, CM, 'controller-manager-manifest', 'controller manager pod specification', 0o600),
  ...fileControls(5, SCHED, 'scheduler-manifest', 'scheduler pod specification', 0o600),
  ...fileControls(7, 'etcd', 'etcd-manifest', 'etcd pod specification', 0o600),
  ...fileControls(9, API, 'cni', 'Container Network Interface', 0o600),
  ...etcdDataDir(),
  ...fileControls(13, API, 'admin-kubeconfig', 'default administrative credential', 0o600),
  ...fileControls(15, SCHED, 'scheduler-kubeconfig', 'scheduler.conf', 0o600),
  ...fileControls(17, CM, 'controller-manager-kubeconfig', 'controller-manager.conf', 0o600),
  { id: '1.1.19', title: 'Ensure that the Kubernetes PKI directory and file ownership is set to root:root', section: FILES, evaluate: onFiles(API, 'pki', 'PKI directory', ownedBy('root', 'root')) },
  { id: '1.1.20', title: 'Ensure that the Kubernetes PKI certificate file permissions are set to 600 or more restrictive', section: FILES, evaluate: onFiles(API, 'pki', 'PKI directory', modeAtMost(0o600, isCert)) },
  { id: '1.1.21', title: 'Ensure that the Kubernetes PKI key file permissions are set to 600', section: FILES, evaluate: onFiles(API, 'pki', 'PKI directory', modeAtMost(0o600, isKey)) },
  api('1.2.1', 'Ensure that the --anonymous-auth argument is set to false', equals('--anonymous-auth', 'false')),
  api('1.2.2', 'Ensure that the --token-auth-file parameter is not set', notSet('--token-auth-file')),
  api('1.2.3', 'Ensure that the --DenyServiceExternalIPs is set', includes('--enable-admission-plugins', 'DenyServiceExternalIPs')),
  api('1.2.4', 'Ensure that the --kubelet-client-certificate and --kubelet-client-key arguments are set as appropriate', isSet('--kubelet-client-certificate', '--kubelet-client-key')),
  api('1.2.5', 'Ensure that the --kubelet-certificate-authority argument is set as appropriate', isSet('--kubelet-certificate-authority')),
  api('1.2.6', 'Ensure that the --authorization-mode argument is not set to AlwaysAllow', (f, e) => (f['--authorization-mode'] === undefined ? failed('--authorization-mode is not set: it defaults to AlwaysAllow') : excludes('--authorization-mode', 'AlwaysAllow')(f, e))),
  api('1.2.7', 'Ensure that the --authorization-mode argument includes Node', includes('--authorization-mode', 'Node')),
  api('1.2.8', 'Ensure that the --authorization-mode argument includes RBAC', includes('--authorization-mode', 'RBAC')),
  api('1.2.9', 'Ensure that the admission control plugin EventRateLimit is set', includes('--enable-admission-plugins', 'EventRateLimit')),
  api('1.2.10', 'Ensure that the admission control plugin AlwaysAdmit is not set', excludes('--enable-admission-plugins', 'AlwaysAdmit')),
  api('1.2.11', 'Ensure that the admission control plugin AlwaysPullImages is set', includes('--enable-admission-plugins', 'AlwaysPullImages')),
  api('1.2.12', 'Ensure that the admission control plugin ServiceAccount is set', excludes('--disable-admission-plugins', 'ServiceAccount')),
  api('1.2.13', 'Ensure that the admission control plugin NamespaceLifecycle is set', excludes('--disable-admission-plugins', 'NamespaceLifecycle')),
  api('1.2.14', 'Ensure that the admission control plugin NodeRestriction is set', includes('--enable-admission-plugins', 'NodeRestriction')),
  api('1.2.15', 'Ensure that the --profiling argument is set to false', equals('--profiling', 'false')),
  api('1.2.16', 'Ensure that the --audit-log-path argument is set', isSet('--audit-log-path')),
  api('1.2.17', 'Ensure that the --audit-log-maxage argument is set to 30 or as appropriate', atLeast('--audit-log-maxage', 30)),
  api('1.2.18', 'Ensure that the --audit-log-maxbackup argument is set to 10 or as appropriate', atLeast('--audit-log-maxbackup', 10)),
  api('1.2.19', 'Ensure that the --audit-log-maxsize argument is set to 100 or as appropriate', atLeast('--audit-log-maxsize', 100)),
  { id: '1.2.20', title: 'Ensure that the --request-timeout argument is set as appropriate', section: APISERVER, manual: 'what timeout is appropriate depends on the cluster\'s load' },
  api('1.2.21', 'Ensure that the --service-account-lookup argument is set to true', equals('--service-account-lookup', 'true', true)),
  api('1.2.22', 'Ensure that the --service-account-key-file argument is set as appropriate', isSet('--service-account-key-file')),
  api('1.2.23', 'Ensure that the --etcd-certfile and --etcd-keyfile arguments are set as appropriate', isSet('--etcd-certfile', '--etcd-keyfile')),
  api('1.2.24', 'Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate', isSet('--tls-cert-file', '--tls-private-key-file')),
  api('1.2.25', 'Ensure that the --client-ca-file argument is set as appropriate', isSet('--client-ca-file')),
  api('1.2.26', 'Ensure that the --etcd-cafile argument is set as appropriate', isSet('--etcd-cafile')),
  api('1.2.27', 'Ensure that the --encryption-provider-config argument is set as appropriate', isSet('--encryption-provider-config')),
  ENCRYPTION_PROVIDERS,
  api('1.2.29', 'Ensure that the API Server only makes use of Strong Cryptographic Ciphers', onlyFrom('--tls-cipher-suites', STRONG_API_CIPHERS)),
  { id: '1.3.1', title: 'Ensure that the --terminated-pod-gc-threshold argument is set as appropriate', section: 'Controller Manager', evaluate: onFlags(CM, isSet('--terminated-pod-gc-threshold')) },
  { id: '1.3.2', title: 'Ensure that the --profiling argument is set to false', section: 'Controller Manager', evaluate: onFlags(CM, equals('--profiling', 'false')) },
  { id: '1.3.3', title: 'Ensure that the --use-service-account-credentials argument is set to true', section: 'Controller Manager', evaluate: onFlags(CM, (f, e) => (f['--use-service-account-credentials'] === undefined ? failed('--use-service-account-credentials is not set') : notEquals('--use-service-account-credentials', 'false')(f, e))) },
  { id: '1.3.4', title: 'Ensure that the --service-account-private-key-file argument is set as appropriate', section: 'Controller Manager', evaluate: onFlags(CM, isSet('--service-account-private-key-file')) },
  { id: '1.3.5', title: 'Ensure that the --root-ca-file argument is set as appropriate', section: 'Controller Manager', evaluate: onFlags(CM, isSet('--root-ca-file')) },
  {
    id: '1.3.6',
    title: 'Ensure that the RotateKubeletServerCertificate argument is set to true',
    section: 'Controller Manager',
    evaluate: onFlags(CM, (f) => (featureGates(f['--feature-gates']).RotateKubeletServerCertificate === 'false' ? failed('--feature-gates turns RotateKubeletServerCertificate off') : passed('RotateKubeletServerCertificate is on'))),
  },
  { id: '1.3.7', title: 'Ensure that the --bind-address argument is set to 127.0.0.1', section: 'Controller Manager', evaluate: onFlags(CM, equals('--bind-address', '127.0.0.1', true)) },
  { id: '1.4.1', title: 'Ensure that the --profiling argument is set to false', section: 'Scheduler', evaluate: onFlags(SCHED, equals('--profiling', 'false')) },
  { id: '1.4.2', title: 'Ensure that the --bind-address argument is set to 127.0.0.1', section: 'Scheduler', evaluate: onFlags(SCHED, equals('--bind-address', '127.0.0.1', true)) },
  { id: '2.1', title: 'Ensure that the --cert-file and --key-file arguments are set as appropriate', section: 'Etcd Node Configuration', evaluate: onFlags('etcd', isSet('--cert-file', '--key-file')) },
  { id: '2.2', title: 'Ensure that the --client-cert-auth argument is set to true', section: 'Etcd Node Configuration', evaluate: onFlags('etcd', equals('--client-cert-auth', 'true')) },
  { id: '2.3', title: 'Ensure that the --auto-tls argument is not set to true', section: 'Etcd Node Configuration', evaluate: onFlags('etcd', notEquals('--auto-tls', 'true')) },
  { id: '2.4', title: 'Ensure that the --peer-cert-file and --peer-key-file arguments are set as appropriate', section: 'Etcd Node Configuration', evaluate: onFlags('etcd', isSet('--peer-cert-file', '--peer-key-file')) },
  { id: '2.5', title: 'Ensure that the --peer-client-cert-auth argument is set to true', section: 'Etcd Node Configuration', evaluate: onFlags('etcd', equals('--peer-client-cert-auth', 'true')) },
  { id: '2.6', title: 'Ensure that the --peer-auto-tls argument is not set to true', section: 'Etcd Node Configuration', evaluate: onFlags('etcd', notEquals('--peer-auto-tls', 'true')) },
  UNIQUE_ETCD_CA,
  { id: '3.1.1', title: 'Client certificate authentication should not be used for users', section: 'Authentication and Authorization', manual: MANUAL_USERS },
  { id: '3.1.2', title: 'Service account token authentication should not be used for users', section: 'Authentication and Authorization', manual: MANUAL_USERS },
  { id: '3.1.3', title: 'Bootstrap token authentication should not be used for users', section: 'Authentication and Authorization', manual: MANUAL_USERS },
  { id: '3.2.1', title: 'Ensure that a minimal audit policy is created', section: 'Logging', evaluate: onFlags(API, isSet('--audit-policy-file')) },
  { id: '3.2.2', title: 'Ensure that the audit policy covers key security concerns', section: 'Logging', manual: 'which concerns the audit policy must cover is for people to judge' },
  ...workerFileControls(1, 'kubelet-service', 'kubelet service file', ['Ensure that the kubelet service file permissions are set to 600 or more restrictive', 'Ensure that the kubelet service file ownership is set to root:root']),
  ...workerFileControls(3, 'proxy-kubeconfig', 'kube-proxy kubeconfig file', ['If proxy kubeconfig file exists ensure permissions are set to 600 or more restrictive', 'If proxy kubeconfig file exists ensure ownership is set to root:root']),
  ...workerFileControls(5, 'kubelet-kubeconfig', 'kubelet kubeconfig file', ['Ensure that the --kubeconfig kubelet.conf file permissions are set to 600 or more restrictive', 'Ensure that the --kubeconfig kubelet.conf file ownership is set to root:root']),
  ...workerFileControls(7, 'client-ca', 'client certificate authorities file', ['Ensure that the certificate authorities file permissions are set to 600 or more restrictive', 'Ensure that the client certificate authorities file ownership is set to root:root']),
  ...workerFileControls(9, 'kubelet-config', 'kubelet config file', ['If the kubelet config.yaml configuration file is being used validate permissions set to 600 or more restrictive', 'If the kubelet config.yaml configuration file is being used validate file ownership is set to root:root']),
  { id: '4.2.1', title: 'Ensure that the --anonymous-auth argument is set to false', section: 'Kubelet', evaluate: onKubelet('--anonymous-auth', 'authentication.anonymous.enabled', (v) => v === 'false', 'anonymous requests must be refused', ['false', 'true']) },
  { id: '4.2.2', title: 'Ensure that the --authorization-mode argument is not set to AlwaysAllow', section: 'Kubelet', evaluate: onKubelet('--authorization-mode', 'authorization.mode', (v) => v !== undefined && !listOf(v).includes('AlwaysAllow'), 'use Webhook', ['Webhook', 'AlwaysAllow']) },
  { id: '4.2.3', title: 'Ensure that the --client-ca-file argument is set as appropriate', section: 'Kubelet', evaluate: onKubelet('--client-ca-file', 'authentication.x509.clientCAFile', (v) => v !== undefined && v !== '', 'set a client CA file') },
  { id: '4.2.4', title: 'Verify that the --read-only-port argument is set to 0', section: 'Kubelet', evaluate: onKubelet('--read-only-port', 'readOnlyPort', (v) => v === undefined || v === '0', 'set it to 0') },
  {
    id: '4.2.5',
    title: 'Ensure that the --streaming-connection-idle-timeout argument is not set to 0',
    section: 'Kubelet',
    evaluate: (e) => {
      if (e.flags.kubelet === undefined) return undefined;
      const flag = e.flags.kubelet['--streaming-connection-idle-timeout'];
      if (flag !== undefined) return ZERO_DURATION.test(flag) ? failed(`--streaming-connection-idle-timeout is ${flag}: idle connections stay open forever`) : passed(`--streaming-connection-idle-timeout is ${flag}`);
      // In the config file a zero duration is unset: the kubelet defaults it to 4h.
      const value = configAt(e.kubeletConfig, 'streamingConnectionIdleTimeout');
      return passed(value === undefined || ZERO_DURATION.test(String(value)) ? 'streamingConnectionIdleTimeout is unset or 0s in the config file: the kubelet uses 4h' : `streamingConnectionIdleTimeout is ${String(value)}`);
    },
  },
  { id: '4.2.6', title: 'Ensure that the --make-iptables-util-chains argument is set to true', section: 'Kubelet', evaluate: onKubelet('--make-iptables-util-chains', 'makeIPTablesUtilChains', (v) => v === undefined || v === 'true', 'set it to true') },
  { id: '4.2.7', title: 'Ensure that the --hostname-override argument is not set', section: 'Kubelet', evaluate: onFlags('kubelet', notSet('--hostname-override')) },
  { id: '4.2.8', title: 'Ensure that the eventRecordQPS argument is set to a level which ensures appropriate event capture', section: 'Kubelet', evaluate: onKubelet('--event-qps', 'eventRecordQPS', (v) => v === undefined || Number(v) >= 0, 'it must be 0 or more') },
  {
    id: '4.2.9',
    title: 'Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate',
    section: 'Kubelet',
    evaluate: (e) => {
      if (e.flags.kubelet === undefined) return undefined;
      const cert = kubeletSetting(e, '--tls-cert-file', 'tlsCertFile').value;
      const key = kubeletSetting(e, '--tls-private-key-file', 'tlsPrivateKeyFile').value;
      if (cert !== undefined && key !== undefined) return passed(`serving certificate ${cert}, key ${key}`);
      return failed('no serving certificate and key configured (tlsCertFile, tlsPrivateKeyFile): the kubelet serves a self-signed certificate');
    },
  },
  { id: '4.2.10', title: 'Ensure that the --rotate-certificates argument is not set to false', section: 'Kubelet', evaluate: onKubelet('--rotate-certificates', 'rotateCertificates', (v) => v === undefined || v === 'true', 'client certificate rotation is off') },
  {
    id: '4.2.11',
    title: 'Verify that the RotateKubeletServerCertificate argument is set to true',
    section: 'Kubelet',
    evaluate: (e) => {
      if (e.flags.kubelet === undefined) return undefined;
      const gate = featureGates(e.flags.kubelet['--feature-gates']).RotateKubeletServerCertificate ?? configAt(e.kubeletConfig, 'featureGates.RotateKubeletServerCertificate');
      return String(gate) === 'false' ? failed('the RotateKubeletServerCertificate feature gate is off') : passed('RotateKubeletServerCertificate is on');
    },
  },
  { id: '4.2.12', title: 'Ensure that the Kubelet only makes use of Strong Cryptographic Ciphers', section: 'Kubelet', evaluate: onKubelet('--tls-cipher-suites', 'tlsCipherSuites', (v) => v !== undefined && listOf(v).every((c) => STRONG_KUBELET_CIPHERS.includes(c)), 'list strong cipher suites only') },
  { id: '4.2.13', title: 'Ensure that a limit is set on pod PIDs', section: 'Kubelet', evaluate: onKubelet('--pod-max-pids', 'podPidsLimit', (v) => v !== undefined && Number(v) > 0, 'set a positive limit') },
  {
    id: '4.3.1',
    title: 'Ensure that the kube-proxy metrics service is bound to localhost',
    section: 'kube-proxy',
    evaluate: (e) => {
      const flags = e.flags['kube-proxy'];
      if (flags === undefined) return undefined;
      const flag = flags['--metrics-bind-address'];
      const value = flag ?? (e.proxyConfig === undefined ? undefined : String(configAt(e.proxyConfig, 'metricsBindAddress') ?? ''));
      if (value === undefined) return flags['--config'] !== undefined ? notSeen(`kube-proxy reads ${flags['--config']}; run openhss agent on node ${e.node} to read it`) : passed('--metrics-bind-address is not set: 127.0.0.1:10249 by default');
      if (value === '') return passed('metricsBindAddress is not set: 127.0.0.1:10249 by default');
      return value.startsWith('127.0.0.1') ? passed(`metrics bound to ${value}`) : failed(`metrics bound to ${value}; 127.0.0.1 expected`);
    },
  },
];

/** 5.5.1 is decided by the API server's admission plugins, like section 1.2. */
export const IMAGE_POLICY_CHECK: NodeCheck = {
  id: '5.5.1',
  title: 'Configure Image Provenance using ImagePolicyWebhook admission controller',
  section: 'General Policies',
  evaluate: onFlags(API, includes('--enable-admission-plugins', 'ImagePolicyWebhook')),
};

/** What a node reports: each control decided there, by id. */
export type NodeCheckResult = { id: string } & Verdict;
export interface NodeReport {
  node: string;
  results: NodeCheckResult[];
}

/** Every node control decided on one node (manual and not-applicable controls left out). */
export function evaluateNode(evidence: NodeEvidence): NodeCheckResult[] {
  const results: NodeCheckResult[] = [];
  for (const check of [...NODE_CHECKS, IMAGE_POLICY_CHECK]) {
    const verdict = check.evaluate?.(evidence);
    if (verdict !== undefined) results.push({ id: check.id, ...verdict });
  }
  return results;
}
