/** Where an inventory entry was found: a path inside the artifact, and the layer that last wrote it. */
export interface Location {
  path: string;
  layerDigest?: string;
}

/** The operating system an artifact runs, from its release files. */
export interface OsRelease {
  /** Lower-case distribution id, as in os-release ID: debian, ubuntu, alpine, rhel, centos, rocky, almalinux, fedora, amzn, ol, sles, opensuse-leap… */
  id: string;
  /** The release the vendor's advisories are keyed by: "12" for Debian, "3.19" for Alpine, "9" for RHEL. */
  versionId: string;
  /** Debian and Ubuntu release codename, when known. */
  codename?: string;
  prettyName?: string;
  /** os-release VERSION_ID as written ("22.03", "15.5", "9.4"), when it differs from versionId or versionId was shortened. */
  fullVersionId?: string;
  /** os-release VERSION ("22.03 (LTS-SP1)", "15-SP5", "22.04.3 LTS (Jammy Jellyfish)"). */
  version?: string;
  /** os-release CPE_NAME ("cpe:/o:redhat:enterprise_linux:9::baseos"). */
  cpeName?: string;
  /** The running kernel (`uname -r`), known for live hosts only: installed kernels that are not running are not matched. */
  kernel?: string;
}

/** A Debian package: advisories name the source package, so it is always recorded. */
export interface DebPackage {
  type: 'deb';
  name: string;
  version: string;
  architecture: string;
  source: { name: string; version: string };
  location: Location;
}

/** An Alpine package; `origin` is the aport (source) it was built from. */
export interface ApkPackage {
  type: 'apk';
  name: string;
  version: string;
  architecture: string;
  origin: string;
  location: Location;
}

/** An RPM package with its epoch:version-release split out and the source RPM it came from. */
export interface RpmPackage {
  type: 'rpm';
  name: string;
  /** Full EVR as compared: "[epoch:]version-release". */
  version: string;
  epoch: number | null;
  release: string;
  architecture: string;
  sourceRpm: string;
  /** RHEL 8+ module streams: the rpm MODULARITYLABEL ("nodejs:18:8090020240315081818:a75119d5"). */
  modularityLabel?: string;
  location: Location;
}

/** A package from a language ecosystem (npm, PyPI, Go modules, Maven, crates.io, RubyGems, NuGet, Composer/Packagist). */
export interface LanguagePackage {
  type: 'npm' | 'pypi' | 'go' | 'maven' | 'cargo' | 'gem' | 'nuget' | 'composer';
  name: string;
  version: string;
  location: Location;
}

export type Package = DebPackage | ApkPackage | RpmPackage | LanguagePackage;
export type PackageType = Package['type'];
