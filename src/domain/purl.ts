import { PackageURL } from 'packageurl-js';
import type { OsRelease, Package } from './package.js';

/** The package URL (purl) that names a package across tools: SBOMs, advisories, SARIF. */
export function purlOf(pkg: Package, os?: OsRelease): string {
  const distro = os ? `${os.id}-${os.versionId}` : undefined;
  const qualifiers = (extra: Record<string, string | undefined>) => {
    const entries = Object.entries(extra).filter((e): e is [string, string] => e[1] !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  };
  switch (pkg.type) {
    case 'deb': {
      // The `upstream` qualifier keeps the source package, which advisories are keyed by, in SBOMs.
      const upstream = pkg.source.name !== pkg.name || pkg.source.version !== pkg.version ? `${pkg.source.name}@${pkg.source.version}` : undefined;
      return new PackageURL('deb', os?.id ?? 'debian', pkg.name, pkg.version, qualifiers({ arch: pkg.architecture, distro, upstream }), undefined).toString();
    }
    case 'apk':
      return new PackageURL('apk', 'alpine', pkg.name, pkg.version, qualifiers({ arch: pkg.architecture, distro, upstream: pkg.origin !== pkg.name ? pkg.origin : undefined }), undefined).toString();
    case 'rpm':
      return new PackageURL('rpm', os?.id ?? 'redhat', pkg.name, pkg.version, qualifiers({ arch: pkg.architecture, distro }), undefined).toString();
    case 'npm': {
      const scoped = pkg.name.startsWith('@') && pkg.name.includes('/');
      const [namespace, name] = scoped ? [pkg.name.slice(0, pkg.name.indexOf('/')), pkg.name.slice(pkg.name.indexOf('/') + 1)] : [undefined, pkg.name];
      return new PackageURL('npm', namespace, name, pkg.version, undefined, undefined).toString();
    }
    // Ecosystems whose purl type is the package type and whose name has no namespace.
    case 'pypi':
    case 'cargo':
    case 'gem':
    case 'nuget':
      return new PackageURL(pkg.type, undefined, pkg.name, pkg.version, undefined, undefined).toString();
    case 'go': {
      const slash = pkg.name.lastIndexOf('/');
      return new PackageURL('golang', slash > 0 ? pkg.name.slice(0, slash) : undefined, pkg.name.slice(slash + 1), pkg.version, undefined, undefined).toString();
    }
    case 'maven': {
      const [group, artifact] = pkg.name.split(':');
      return new PackageURL('maven', group, artifact ?? pkg.name, pkg.version, undefined, undefined).toString();
    }
    case 'composer': {
      // vendor/package: the vendor is the purl namespace.
      const slash = pkg.name.indexOf('/');
      return new PackageURL('composer', slash > 0 ? pkg.name.slice(0, slash) : undefined, pkg.name.slice(slash + 1), pkg.version, undefined, undefined).toString();
    }
  }
}
