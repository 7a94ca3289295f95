/**
 * What a CIS node control looks at, whoever collected it: the API server
 * (flags of the static pods it mirrors) or the agent on the node (the
 * node's files). The same checks decide controls from either.
 */

export const NODE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kubelet', 'kube-proxy'] as const;
export type NodeComponent = (typeof NODE_COMPONENTS)[number];

/** Command-line flags by name with their leading dashes ("--anonymous-auth"); a bare flag has the value "true". */
export type Flags = Record<string, string>;

export interface FileFacts {
  path: string;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  /** User and group names as the node's /etc/passwd and /etc/group give them (the number when unknown). */
  owner: string;
  group: string;
  directory: boolean;
}

/** The groups of files the section 1 and 4 controls are about. */
export const FILE_GROUPS = [
  'apiserver-manifest',
  'controller-manager-manifest',
  'scheduler-manifest',
  'etcd-manifest',
  'cni',
  'etcd-data',
  'admin-kubeconfig',
  'scheduler-kubeconfig',
  'controller-manager-kubeconfig',
  'pki',
  'kubelet-service',
  'proxy-kubeconfig',
  'kubelet-kubeconfig',
  'client-ca',
  'kubelet-config',
] as const;
export type FileGroup = (typeof FILE_GROUPS)[number];

export interface NodeEvidence {
  node: string;
  /** api: flags of the static pods the API server mirrors; agent: the node's own files (and processes). */
  source: 'api' | 'agent';
  /** The flags of each component that runs on this node. */
  flags: Partial<Record<NodeComponent, Flags>>;
  /** Components that run here but whose command line could not be read (a manifest that is not valid YAML), with why. */
  unreadable?: Partial<Record<NodeComponent, string>>;
  /** The kubelet's config file (--config), parsed; absent when there is none or it was not seen. */
  kubeletConfig?: Record<string, unknown>;
  /** kube-proxy's config file (--config), parsed. */
  proxyConfig?: Record<string, unknown>;
  /** The files of each group that exist; absent when the source cannot see files (the API). */
  files?: Record<FileGroup, FileFacts[]>;
  /** Providers of the API server's --encryption-provider-config for secrets, in order; null when the file could not be read. */
  encryptionProviders?: string[] | null;
}

/**
 * Flags of a command line: `--name=value`, `--name value` and bare `--name`.
 * Control-plane binaries take no positional arguments, so a word after a
 * flag without "=" is its value. The last occurrence wins, as with pflag.
 */
export function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') continue;
    const name = arg.startsWith('--') ? arg : `-${arg}`;
    const eq = name.indexOf('=');
    if (eq > 0) {
      flags[name.slice(0, eq)] = name.slice(eq + 1);
    } else if (i + 1 < args.length && !args[i + 1]!.startsWith('-')) {
      flags[name] = args[++i]!;
    } else {
      flags[name] = 'true';
    }
  }
  return flags;
}

/** A comma-separated flag value as a list ("NodeRestriction,EventRateLimit"). */
export function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `--feature-gates=A=true,B=false` as a map. */
export function featureGates(value: string | undefined): Record<string, string> {
  return Object.fromEntries(listOf(value).map((g) => [g.split('=')[0]!.trim(), (g.split('=')[1] ?? 'true').trim()]));
}
