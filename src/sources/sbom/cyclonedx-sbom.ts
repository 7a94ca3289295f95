import { PackageURL } from 'packageurl-js';
import type { OsRelease, Package } from '../../domain/package.js';
import type { Inventory } from '../../inventory/layers.js';

interface SbomComponent {
  purl?: string;
  name?: string;
  version?: string;
  components?: SbomComponent[];
}

export class SbomError extends Error {
  override name = 'SbomError';
}

/** `distro=debian-12` → Debian 12, the release advisories are keyed by. */
function osFromDistro(distro: string | undefined, namespace: string | undefined): OsRelease | undefined {
  const m = distro ? /^([a-z]+)-(\d+(?:\.\d+)*)$/.exec(distro) : null;
  if (!m) return undefined;
  const id = m[1]!;
  const version = id === 'alpine' ? m[2]!.split('.').slice(0, 2).join('.') : id === 'debian' ? m[2]!.split('.')[0]! : m[2]!;
  return { id: namespace && namespace !== id ? namespace : id, versionId: version };
}

function toPackage(purl: PackageURL, path: string): Package | null {
  const version = purl.version;
  if (!version) return null;
  const location = { path };
  const q = purl.qualifiers ?? {};
  switch (purl.type) {
    case 'deb': {
      // The purl names the binary; an `upstream` qualifier (Syft, Trivy) names the source package.
      const upstream = q.upstream ? /^([^@]+)(?:@(.+))?$/.exec(q.upstream) : null;
      return { type: 'deb', name: purl.name, version, architecture: q.arch ?? 'unknown', source: { name: upstream?.[1] ?? purl.name, version: upstream?.[2] ?? version }, location };
    }
    case 'apk':
      return { type: 'apk', name: purl.name, version, architecture: q.arch ?? 'unknown', origin: q.upstream?.split('@')[0] ?? purl.name, location };
    case 'npm':
      return { type: 'npm', name: purl.namespace ? `${purl.namespace}/${purl.name}` : purl.name, version, location };
    case 'pypi':
      return { type: 'pypi', name: purl.name.toLowerCase().replace(/[-_.]+/g, '-'), version, location };
    case 'cargo':
      return { type: 'cargo', name: purl.name, version, location };
    case 'golang':
      return { type: 'go', name: purl.namespace ? `${purl.namespace}/${purl.name}` : purl.name, version, location };
    case 'maven':
      return { type: 'maven', name: `${purl.namespace ?? ''}:${purl.name}`, version, location };
    case 'gem':
      return { type: 'gem', name: purl.name, version, location };
    case 'nuget':
      return { type: 'nuget', name: purl.name, version, location };
    case 'composer':
      return { type: 'composer', name: purl.namespace ? `${purl.namespace}/${purl.name}` : purl.name, version, location };
    default:
      return null;
  }
}

/** Reads a CycloneDX JSON SBOM's components (nested ones too) into an inventory, by their purls. */
export function inventoryFromCycloneDx(text: string, path: string): Inventory {
  let bom: { bomFormat?: string; components?: SbomComponent[]; metadata?: { component?: SbomComponent } };
  try {
    bom = JSON.parse(text);
  } catch (err) {
    throw new SbomError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (bom.bomFormat !== 'CycloneDX') throw new SbomError(`${path} is not a CycloneDX JSON SBOM (bomFormat is ${JSON.stringify(bom.bomFormat)})`);
  const packages: Package[] = [];
  const warnings: string[] = [];
  let os: OsRelease | undefined;
  const visit = (components: SbomComponent[] = []) => {
    for (const c of components) {
      if (c.purl) {
        try {
          const purl = PackageURL.fromString(c.purl);
          const pkg = toPackage(purl, path);
          if (pkg) packages.push(pkg);
          os ??= osFromDistro(purl.qualifiers?.distro, purl.type === 'deb' || purl.type === 'apk' ? purl.namespace : undefined);
        } catch {
          warnings.push(`${c.name ?? 'a component'}: purl ${c.purl} is not valid; skipped`);
        }
      }
      visit(c.components);
    }
  };
  visit(bom.components);
  return { ...(os ? { os } : {}), packages, warnings };
}
