import { severityRank, type Finding } from '../domain/finding.js';
import type { Location } from '../domain/package.js';

const isCve = (id: string) => id.startsWith('CVE-');

const locationKey = (l: Location) => `${l.path}\u0000${l.layerDigest ?? ''}`;

/** Both lists' locations, each once, in the order they were first found. */
function mergeLocations(a: readonly Location[], b: readonly Location[]): Location[] {
  const seen = new Map<string, Location>();
  for (const l of [...a, ...b]) if (!seen.has(locationKey(l))) seen.set(locationKey(l), l);
  return [...seen.values()];
}

/**
 * One finding per package and vulnerability. A package is its ecosystem,
 * name and version: the same package found in several places (a lock file
 * and the installed copy, a jar in two folders) is one finding listing every
 * location. Advisories that name the same vulnerability (a DSA and its CVE,
 * a GHSA and its CVE) collapse into one, listed under the CVE when there is
 * one, keeping every alias and the highest severity.
 */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const byPackage = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.ecosystem}\u0000${f.package.type}\u0000${f.package.name}\u0000${f.package.version}`;
    byPackage.set(key, [...(byPackage.get(key) ?? []), f]);
  }
  const out: Finding[] = [];
  for (const group of byPackage.values()) {
    const merged: Finding[] = [];
    for (const f of group) {
      const names = new Set([f.id, ...f.aliases]);
      const same = merged.find((m) => m.id === f.id || m.aliases.some((a) => names.has(a)) || names.has(m.id));
      if (!same) {
        merged.push({ ...f });
        continue;
      }
      const aliases = new Set([...same.aliases, ...f.aliases, same.id, f.id]);
      const preferNew = (!isCve(same.id) && isCve(f.id)) || severityRank(f.severity) > severityRank(same.severity);
      const primary = preferNew ? f : same;
      const id = isCve(same.id) ? same.id : isCve(f.id) ? f.id : primary.id;
      aliases.delete(id);
      const locations = mergeLocations(same.locations, f.locations);
      Object.assign(same, {
        ...primary,
        id,
        aliases: [...aliases].sort(),
        severity: severityRank(f.severity) > severityRank(same.severity) ? f.severity : same.severity,
        knownExploited: same.knownExploited || f.knownExploited,
        location: locations[0]!,
        locations,
      });
    }
    out.push(...merged);
  }
  return out;
}
