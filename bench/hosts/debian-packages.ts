/**
 * The binary packages of a Debian `Packages` index: this machine's apt list for bookworm main
 * (lz4-compressed; apt-helper decompresses it), so host inventories carry real names and versions.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface IndexPackage {
  name: string;
  version: string;
  sourceName: string;
  sourceVersion: string;
  architecture: string;
  /** Priority: required, important, standard, optional, extra (absent → optional). */
  priority: string;
  section: string;
}

const LISTS = '/var/lib/apt/lists';

/** The bookworm main amd64 Packages index of this machine, decompressed. */
export function readBookwormIndex(dir = LISTS): string {
  const file = readdirSync(dir).find((f) => /bookworm_main_binary-amd64_Packages(\.lz4)?$/.test(f));
  if (!file) throw new Error(`no *bookworm_main_binary-amd64_Packages.lz4 under ${dir} (run apt-get update)`);
  return execFileSync('/usr/lib/apt/apt-helper', ['cat-file', join(dir, file)], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
}

/** Parses stanzas; `Source: name (version)` carries the source version when it differs from the binary's. */
export function parsePackagesIndex(text: string): IndexPackage[] {
  const out: IndexPackage[] = [];
  for (const stanza of text.split(/\n\n+/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith(' ') || line.startsWith('\t')) continue;
      const colon = line.indexOf(':');
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const name = fields.get('Package');
    const version = fields.get('Version');
    if (!name || !version) continue;
    const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(fields.get('Source') ?? '');
    out.push({
      name,
      version,
      sourceName: source?.[1] ?? name,
      sourceVersion: source?.[2] ?? version,
      architecture: fields.get('Architecture') ?? 'amd64',
      priority: fields.get('Priority') ?? 'optional',
      section: fields.get('Section') ?? 'misc',
    });
  }
  return out;
}
