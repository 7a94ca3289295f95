import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../runtime/version.js';
import type { HostIdentity } from '../protocol.js';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

export interface IdentityOptions {
  /** The host's root file system; '/' unless the agent sees the host through a mount (e.g. a container). */
  root?: string;
  /** Stand-ins for tests. */
  hostname?: () => string;
  networkInterfaces?: () => Interfaces;
  kernel?: () => string;
}

/** os-release(5) lines: KEY=value with optional shell quoting. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      const quote = value[0];
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\`$])/g, '$1');
    }
    fields[match[1]!] = value;
  }
  return fields;
}

async function readFirst(root: string, paths: string[]): Promise<string | null> {
  for (const path of paths) {
    try {
      return await readFile(join(root, path), 'utf8');
    } catch {
      // Missing or unreadable: try the next place the file may live.
    }
  }
  return null;
}

/** Every non-internal address, IPv4 before IPv6, each once. */
export function hostIps(interfaces: Interfaces): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const address of list ?? []) {
      if (address.internal) continue;
      (address.family === 'IPv4' ? v4 : v6).push(address.address);
    }
  }
  return [...new Set([...v4, ...v6])];
}

/** What the agent tells the server about the machine it runs on. */
export async function collectIdentity(options: IdentityOptions = {}): Promise<HostIdentity> {
  const root = options.root ?? '/';
  const machineId = (await readFirst(root, ['etc/machine-id', 'var/lib/dbus/machine-id']))?.trim();
  const release = parseOsRelease((await readFirst(root, ['etc/os-release', 'usr/lib/os-release'])) ?? '');
  // Through a mount (--root), the host's own name is in its etc/hostname, not this machine's.
  const mountedName = root === '/' ? undefined : (await readFirst(root, ['etc/hostname']))?.trim();
  const identity: HostIdentity = {
    host_name: mountedName || (options.hostname ?? os.hostname)(),
    ips: hostIps((options.networkInterfaces ?? os.networkInterfaces)()),
    os_type: process.platform === 'win32' ? 'Windows' : 'Linux',
    os_name: release.PRETTY_NAME ?? release.NAME ?? 'Linux',
    os_version: release.VERSION_ID ?? release.VERSION ?? '',
    kernel: (options.kernel ?? os.release)(),
    agent_version: VERSION,
  };
  // systemd writes "uninitialized" during first boot; that is no id, and sending it would merge unrelated hosts.
  if (machineId && machineId !== 'uninitialized') identity.machine_id = machineId;
  return identity;
}
