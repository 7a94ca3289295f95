import type { NodeFiles } from './node-files.js';

/** Where systemd units of the kubelet live (kubeadm's packages: /etc before v1.28, /usr/lib from pkgs.k8s.io). */
const UNIT_DIRS = ['/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

/** `KEY=value` lines of an environment file (quotes removed, comments skipped). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    vars[line.slice(0, eq).replace(/^export\s+/, '').trim()] = unquote(line.slice(eq + 1).trim());
  }
  return vars;
}

function unquote(value: string): string {
  return (value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")) ? value.slice(1, -1) : value;
}

/** Splits a command line on white space, keeping quoted words whole. */
export function splitWords(line: string): string[] {
  return (line.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map(unquote);
}

export interface KubeletUnit {
  /** The unit files read, in the order systemd applies them. */
  files: string[];
  /** The kubelet's arguments after ExecStart's variables are expanded; empty when no ExecStart names the kubelet. */
  args: string[];
}

/**
 * The kubelet's command line as systemd would start it: kubelet.service,
 * then its drop-ins in name order; `Environment=` and `EnvironmentFile=`
 * (kubeadm's /var/lib/kubelet/kubeadm-flags.env, /etc/default/kubelet)
 * give the variables, the last `ExecStart=` the command.
 */
export async function readKubeletUnit(files: NodeFiles): Promise<KubeletUnit | undefined> {
  const paths: string[] = [];
  for (const dir of UNIT_DIRS) {
    if (await files.exists(`${dir}/kubelet.service`)) paths.push(`${dir}/kubelet.service`);
  }
  for (const dir of UNIT_DIRS) paths.push(...(await files.list(`${dir}/kubelet.service.d`)).filter((p) => p.endsWith('.conf')));
  if (paths.length === 0) return undefined;
  const vars: Record<string, string> = {};
  let exec = '';
  for (const path of paths) {
    for (const raw of (await files.text(path))?.split('\n') ?? []) {
      const line = raw.trim();
      if (line.startsWith('Environment=')) {
        for (const word of splitWords(line.slice('Environment='.length))) {
          const eq = word.indexOf('=');
          if (eq > 0) vars[word.slice(0, eq)] = word.slice(eq + 1);
        }
      } else if (line.startsWith('EnvironmentFile=')) {
        const file = line.slice('EnvironmentFile='.length).replace(/^-/, '');
        Object.assign(vars, parseEnvironmentFile((await files.text(file)) ?? ''));
      } else if (line.startsWith('ExecStart=')) {
        exec = line.slice('ExecStart='.length);
      }
    }
  }
  const expanded = exec.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '');
  const words = splitWords(expanded);
  const isKubelet = words.length > 0 && /(^|\/)kubelet$/.test(words[0]!);
  return { files: paths, args: isKubelet ? words.slice(1) : [] };
}
