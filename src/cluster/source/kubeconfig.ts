import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { ClusterScanError } from '../errors.js';

export interface KubeconfigPolicy {
  /**
   * `exec` and `auth-provider` users run programs or refresh tokens on this
   * machine; a kubeconfig uploaded through the API must not be able to do
   * that, so they are refused unless the operator's own config is being read.
   */
  allowExec?: boolean;
  /** Same reasoning for paths (token-file, client-key, certificate-authority): they read this machine's files. */
  allowLocalFiles?: boolean;
}

export interface LoadedKubeconfig {
  config: KubeConfig;
  /** The API server URL without any userinfo, safe to show. */
  server: string;
  /** Every credential string in the kubeconfig, so error reasons can be scrubbed of them. */
  secrets: string[];
}

type Named<T> = { name?: unknown } & { [k: string]: T };

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function invalid(reason: string): ClusterScanError {
  return new ClusterScanError('invalid-input', `kubeconfig: ${reason}`);
}

function findNamed(list: unknown, name: unknown, what: string): Record<string, unknown> {
  if (!Array.isArray(list)) throw invalid(`no ${what}s`);
  const entry = (list as Array<Named<unknown>>).find((e) => asRecord(e)?.name === name);
  const record = asRecord(entry);
  if (record === undefined) throw invalid(`the current context names a ${what} that is not defined`);
  return record;
}

const FILE_KEYS = ['tokenFile', 'token-file', 'client-certificate', 'client-key', 'certificate-authority'];
const SECRET_KEYS = ['token', 'password', 'client-key-data'];

/**
 * Validates a kubeconfig (YAML string) before @kubernetes/client-node sees it,
 * because the library's own parse errors quote the input, and the input holds
 * credentials.
 */
export function loadKubeconfig(text: string, policy: KubeconfigPolicy = {}): LoadedKubeconfig {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw invalid(`not valid YAML${line !== undefined ? ` (line ${line})` : ''}`);
  }
  const root = asRecord(document);
  if (root === undefined) throw invalid('not a YAML mapping');
  const contextName = root['current-context'];
  if (typeof contextName !== 'string' || contextName === '') throw invalid('no current-context');
  const context = asRecord(findNamed(root.contexts, contextName, 'context').context);
  if (context === undefined) throw invalid('the current context is empty');
  const cluster = asRecord(findNamed(root.clusters, context.cluster, 'cluster').cluster);
  const userEntry = context.user === undefined ? undefined : asRecord(findNamed(root.users, context.user, 'user').user);
  if (cluster === undefined || typeof cluster.server !== 'string') throw invalid('the current cluster has no server');

  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw invalid('the server is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('the server URL is neither https nor http');

  const secrets: string[] = [];
  if (url.password !== '') secrets.push(decodeURIComponent(url.password));
  for (const user of Array.isArray(root.users) ? root.users : []) {
    const u = asRecord(asRecord(user)?.user);
    if (u === undefined) continue;
    for (const key of SECRET_KEYS) if (typeof u[key] === 'string' && u[key] !== '') secrets.push(u[key] as string);
  }
  if (userEntry !== undefined) {
    if (!policy.allowExec && (userEntry.exec !== undefined || userEntry['auth-provider'] !== undefined)) {
      throw invalid('exec and auth-provider users are not accepted; use a token or a client certificate embedded in the kubeconfig');
    }
    if (!policy.allowLocalFiles && FILE_KEYS.some((k) => userEntry[k] !== undefined)) {
      throw invalid('credentials read from files are not accepted; embed them (token, client-certificate-data, client-key-data)');
    }
  }
  if (!policy.allowLocalFiles && cluster['certificate-authority'] !== undefined) {
    throw invalid('certificate-authority files are not accepted; embed certificate-authority-data');
  }

  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch {
    throw invalid('@kubernetes/client-node could not load it');
  }
  url.username = '';
  url.password = '';
  return { config, server: url.toString().replace(/\/$/, ''), secrets };
}
