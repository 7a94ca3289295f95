import { readFile, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { FILE_GROUPS, parseFlags, type FileFacts, type FileGroup, type Flags, type NodeComponent, type NodeEvidence } from '../../../cluster/benchmark/node/evidence.js';
import { commandLine } from '../../../cluster/benchmark/node/from-api.js';
import type { K8sObject } from '../../../rules/types.js';
import { NodeFiles } from './node-files.js';
import { readKubeletUnit } from './kubelet-unit.js';

export interface NodeCollectOptions {
  /** The node's root file system: '/' on the node, or a mounted copy. */
  root: string;
  /** Read running processes' command lines from procDir; by default only when root is '/'. */
  processes?: boolean;
  procDir?: string;
  /** The host name when the root has no /etc/hostname. */
  hostname?: () => string;
}

export type NodeRole = 'control-plane' | 'etcd' | 'worker';

export interface CollectedNode {
  evidence: NodeEvidence;
  roles: NodeRole[];
  warnings: string[];
}

const STATIC_PODS: ReadonlyArray<[NodeComponent, FileGroup]> = [
  ['kube-apiserver', 'apiserver-manifest'],
  ['kube-controller-manager', 'controller-manager-manifest'],
  ['kube-scheduler', 'scheduler-manifest'],
  ['etcd', 'etcd-manifest'],
];
const BINARIES = new Set<string>(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kubelet', 'kube-proxy']);
/** kube-bench's places for a kube-proxy kubeconfig on the host. */
const PROXY_KUBECONFIGS = ['/etc/kubernetes/proxy.conf', '/etc/kubernetes/kube-proxy.conf', '/etc/kubernetes/proxy', '/var/lib/kube-proxy/kubeconfig'];
const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';

interface Process {
  args: string[];
  /** Its root, where the paths its flags name are found (a container's file system). */
  root: string;
}

/** Kubernetes components running on this machine, by name, from /proc/<pid>/cmdline. */
async function readProcesses(procDir: string): Promise<Map<NodeComponent, Process>> {
  const found = new Map<NodeComponent, Process>();
  let pids: string[] = [];
  try {
    pids = (await readdir(procDir)).filter((p) => /^\d+$/.test(p));
  } catch {
    return found;
  }
  for (const pid of pids) {
    try {
      const words = (await readFile(join(procDir, pid, 'cmdline'), 'utf8')).split('\0').filter((w) => w !== '');
      const name = basename(words[0] ?? '');
      if (!BINARIES.has(name) || found.has(name as NodeComponent)) continue;
      found.set(name as NodeComponent, { args: words.slice(1), root: join(procDir, pid, 'root') });
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

function parseYaml(text: string | undefined, what: string, warnings: string[]): unknown {
  if (text === undefined) return undefined;
  try {
    return parse(text, { maxAliasCount: 100 }) as unknown;
  } catch (error) {
    warnings.push(`${what}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

const asObject = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The providers for Secrets in an EncryptionConfiguration, in order ("aescbc", "identity", ...). */
function secretProviders(config: unknown): string[] | null {
  const resources = asObject(config)?.resources;
  if (!Array.isArray(resources)) return null;
  for (const entry of resources) {
    const e = asObject(entry);
    const names = Array.isArray(e?.resources) ? e.resources : [];
    if (!names.includes('secrets') && !names.includes('*.*') && !names.includes('*.')) continue;
    return (Array.isArray(e?.providers) ? e.providers : []).map((p) => Object.keys(asObject(p) ?? {})[0] ?? '').filter((p) => p !== '');
  }
  return null;
}

/** kube-proxy's config as the kubelet materialised it from the kube-proxy ConfigMap (kubeadm's DaemonSet). */
async function proxyFromPodVolumes(files: NodeFiles): Promise<string | undefined> {
  for (const pod of await files.list('/var/lib/kubelet/pods')) {
    const path = `${pod}/volumes/kubernetes.io~configmap/kube-proxy/config.conf`;
    if (await files.exists(path)) return path;
  }
  return undefined;
}

/**
 * Looks at a node the way kube-bench does and gathers what the CIS node
 * controls need: which components run (static pod manifests, the kubelet's
 * systemd unit and config, and running processes when allowed), their
 * flags and config files, and the modes and owners of their files. Null
 * when the machine is not a Kubernetes node.
 */
export async function collectNodeEvidence(options: NodeCollectOptions): Promise<CollectedNode | null> {
  const warnings: string[] = [];
  const files = await NodeFiles.open(options.root);
  const processes = (options.processes ?? options.root === '/') ? await readProcesses(options.procDir ?? '/proc') : new Map<NodeComponent, Process>();
  const flags: Partial<Record<NodeComponent, Flags>> = {};
  const groups = Object.fromEntries(FILE_GROUPS.map((g) => [g, [] as FileFacts[]])) as Record<FileGroup, FileFacts[]>;

  // The kubelet: its process, else its systemd unit; its config file from --config.
  const unit = await readKubeletUnit(files);
  const kubeletArgs = processes.get('kubelet')?.args ?? unit?.args;
  let kubeletConfig: Record<string, unknown> | undefined;
  const kubeletFlags = parseFlags(kubeletArgs ?? []);
  const kubeletConfigPath = kubeletFlags['--config'] ?? ((await files.exists(KUBELET_CONFIG)) ? KUBELET_CONFIG : undefined);
  const kubeletKubeconfig = kubeletFlags['--kubeconfig'] ?? '/etc/kubernetes/kubelet.conf';
  if (kubeletArgs !== undefined || kubeletConfigPath !== undefined || (await files.exists(kubeletKubeconfig))) {
    flags.kubelet = kubeletFlags;
    if (kubeletConfigPath !== undefined) {
      kubeletConfig = asObject(parseYaml(await files.text(kubeletConfigPath), kubeletConfigPath, warnings));
      groups['kubelet-config'] = await files.factsOf([kubeletConfigPath]);
    }
    groups['kubelet-service'] = await files.factsOf(unit?.files ?? []);
    groups['kubelet-kubeconfig'] = await files.factsOf([kubeletKubeconfig]);
    const clientCa = kubeletFlags['--client-ca-file'] ?? asObject(asObject(asObject(kubeletConfig?.authentication)?.x509))?.clientCAFile;
    if (typeof clientCa === 'string') groups['client-ca'] = await files.factsOf([clientCa]);
  }

  // Control-plane static pods, where the kubelet looks for them.
  const manifests = typeof kubeletConfig?.staticPodPath === 'string' ? kubeletConfig.staticPodPath : '/etc/kubernetes/manifests';
  const unreadable: Partial<Record<NodeComponent, string>> = {};
  for (const [component, group] of STATIC_PODS) {
    const path = `${manifests}/${component}.yaml`;
    const text = await files.text(path);
    const pod = asObject(parseYaml(text, path, warnings)) as K8sObject | undefined;
    const running = processes.get(component);
    if (text === undefined && running === undefined) continue;
    groups[group] = await files.factsOf([path]);
    const command = running?.args ?? (pod === undefined ? [] : commandLine(pod, component).slice(1));
    flags[component] = parseFlags(command);
    if (running === undefined && command.length === 0) unreadable[component] = `cannot read ${component}'s command line from ${path}${pod === undefined ? ' (not valid YAML)' : ''}`;
  }

  // kube-proxy: its process, or the config its DaemonSet pod mounts from the kube-proxy ConfigMap.
  let proxyConfig: Record<string, unknown> | undefined;
  const proxy = processes.get('kube-proxy');
  const proxyConfigPath = proxy !== undefined ? undefined : await proxyFromPodVolumes(files);
  if (proxy !== undefined) {
    flags['kube-proxy'] = parseFlags(proxy.args);
    const config = flags['kube-proxy']['--config'];
    if (config !== undefined) proxyConfig = asObject(parseYaml(await readFile(join(proxy.root, config), 'utf8').catch(() => undefined), config, warnings));
  } else if (proxyConfigPath !== undefined) {
    flags['kube-proxy'] = { '--config': '/var/lib/kube-proxy/config.conf' };
    proxyConfig = asObject(parseYaml(await files.text(proxyConfigPath), proxyConfigPath, warnings)) ?? {};
  }
  if (flags.kubelet !== undefined || flags['kube-proxy'] !== undefined) {
    const proxyKubeconfig = flags['kube-proxy']?.['--kubeconfig'];
    groups['proxy-kubeconfig'] = await files.factsOf(proxyKubeconfig !== undefined && proxy === undefined ? [proxyKubeconfig, ...PROXY_KUBECONFIGS] : PROXY_KUBECONFIGS);
  }

  if (Object.keys(flags).length === 0) return null;

  const api = flags['kube-apiserver'];
  if (api !== undefined) {
    groups.cni = (await files.factsOf(await files.list('/etc/cni/net.d'))).filter((f) => !f.directory);
    groups['admin-kubeconfig'] = await files.factsOf(['/etc/kubernetes/admin.conf', '/etc/kubernetes/super-admin.conf']);
    groups.pki = await files.tree('/etc/kubernetes/pki');
  }
  if (flags['kube-scheduler'] !== undefined) groups['scheduler-kubeconfig'] = await files.factsOf([flags['kube-scheduler']['--kubeconfig'] ?? '/etc/kubernetes/scheduler.conf']);
  if (flags['kube-controller-manager'] !== undefined) groups['controller-manager-kubeconfig'] = await files.factsOf([flags['kube-controller-manager']['--kubeconfig'] ?? '/etc/kubernetes/controller-manager.conf']);
  if (flags.etcd !== undefined) groups['etcd-data'] = await files.factsOf([flags.etcd['--data-dir'] ?? '/var/lib/etcd']);

  let encryptionProviders: string[] | null | undefined;
  const encryption = api?.['--encryption-provider-config'];
  if (encryption !== undefined) encryptionProviders = secretProviders(parseYaml(await files.text(encryption), encryption, warnings));

  const roles: NodeRole[] = [];
  if (api !== undefined || flags['kube-controller-manager'] !== undefined || flags['kube-scheduler'] !== undefined) roles.push('control-plane');
  if (flags.etcd !== undefined) roles.push('etcd');
  if (flags.kubelet !== undefined) roles.push('worker');

  const fromFile = (await files.text('/etc/hostname'))?.trim();
  const node = (kubeletFlags['--hostname-override'] ?? (fromFile || (options.root === '/' ? (options.hostname ?? hostname)() : 'node'))).toLowerCase();
  const evidence: NodeEvidence = {
    node,
    source: 'agent',
    flags,
    ...(Object.keys(unreadable).length > 0 ? { unreadable } : {}),
    files: groups,
    ...(kubeletConfig !== undefined ? { kubeletConfig } : {}),
    ...(proxyConfig !== undefined ? { proxyConfig } : {}),
    ...(encryptionProviders !== undefined ? { encryptionProviders } : {}),
  };
  return { evidence, roles, warnings };
}
