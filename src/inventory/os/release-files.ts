import type { OsRelease } from '../../domain/package.js';
import { emptyResult, type AnalysisResult, type SyncAnalyzer, type AnalyzerFile } from '../analyzer.js';

const OS_RELEASE_PATHS = new Set(['etc/os-release', 'usr/lib/os-release']);
const ALPINE_RELEASE = 'etc/alpine-release';
const DEBIAN_VERSION = 'etc/debian_version';
const REDHAT_RELEASES = new Set(['etc/redhat-release', 'etc/centos-release', 'etc/rocky-release', 'etc/almalinux-release', 'etc/oracle-release']);

/** Parses os-release's KEY=value lines, with optional single or double quotes. */
export function parseOsReleaseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    fields[line.slice(0, eq)] = value.replace(/\\(["'$`\\])/g, '$1');
  }
  return fields;
}

/**
 * The release a vendor keys advisories by: Alpine by major.minor ("3.19"),
 * RHEL-family by major ("9"), Debian by major ("12"); others as given.
 */
export function advisoryRelease(id: string, versionId: string): string {
  if (id === 'alpine') return versionId.split('.').slice(0, 2).join('.');
  if (['debian', 'rhel', 'centos', 'rocky', 'almalinux', 'ol'].includes(id)) return versionId.split('.')[0]!;
  return versionId;
}

const DEBIAN_CODENAMES: Record<string, string> = { buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14' };

function fromOsRelease(text: string): OsRelease | undefined {
  const f = parseOsReleaseFields(text);
  const id = f.ID?.toLowerCase();
  if (!id) return undefined;
  const codename = f.VERSION_CODENAME || undefined;
  // Debian testing and sid ship no VERSION_ID; the codename still names the release.
  // Rolling distributions (Wolfi, Chainguard, Arch) may ship none either: their BUILD_ID, or "rolling", stands in.
  const versionId = f.VERSION_ID || (codename && DEBIAN_CODENAMES[codename]) || (id === 'debian' ? 'unstable' : f.BUILD_ID || 'rolling');
  const release = advisoryRelease(id, versionId);
  return {
    id,
    versionId: release,
    ...(codename ? { codename } : {}),
    ...(f.PRETTY_NAME ? { prettyName: f.PRETTY_NAME } : {}),
    // The rest of os-release, kept whole: openEuler's service pack lives in VERSION, SUSE's product in PRETTY_NAME, RHEL's stream in CPE_NAME.
    ...(f.VERSION_ID && f.VERSION_ID !== release ? { fullVersionId: f.VERSION_ID } : {}),
    ...(f.VERSION ? { version: f.VERSION } : {}),
    ...(f.CPE_NAME ? { cpeName: f.CPE_NAME } : {}),
  };
}

function fromAlpineRelease(text: string): OsRelease | undefined {
  const version = text.trim().split(/\s/)[0];
  return version && /^\d+\.\d+/.test(version) ? { id: 'alpine', versionId: advisoryRelease('alpine', version) } : undefined;
}

function fromDebianVersion(text: string): OsRelease | undefined {
  const value = text.trim();
  const numeric = /^(\d+)(\.\d+)*$/.exec(value);
  if (numeric) return { id: 'debian', versionId: numeric[1]! };
  // "trixie/sid" on testing: the first codename is the release in preparation.
  const codename = value.split('/')[0]!;
  const version = DEBIAN_CODENAMES[codename];
  return version ? { id: 'debian', versionId: version, codename } : undefined;
}

function fromRedhatRelease(text: string): OsRelease | undefined {
  const m = /^(.*?) release (\d+(?:\.\d+)*)/.exec(text.trim());
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  const id = name.includes('centos') ? 'centos' : name.includes('rocky') ? 'rocky' : name.includes('alma') ? 'almalinux' : name.includes('oracle') ? 'ol' : name.includes('fedora') ? 'fedora' : 'rhel';
  return { id, versionId: advisoryRelease(id, m[2]!) };
}

/** How much each source is trusted when several are present: os-release first. */
export const RELEASE_FILE_PRIORITY = ['os-release', 'alpine-release', 'redhat-release', 'debian_version'] as const;

function parse(file: AnalyzerFile): OsRelease | undefined {
  const text = file.content.toString('utf8');
  if (OS_RELEASE_PATHS.has(file.path)) return fromOsRelease(text);
  if (file.path === ALPINE_RELEASE) return fromAlpineRelease(text);
  if (file.path === DEBIAN_VERSION) return fromDebianVersion(text);
  if (REDHAT_RELEASES.has(file.path)) return fromRedhatRelease(text);
  return undefined;
}

/** Finds the operating system from the release files distributions ship. */
export const releaseFilesAnalyzer: SyncAnalyzer = {
  name: 'os-release',
  version: 2,
  pathHint: { paths: [...OS_RELEASE_PATHS, ALPINE_RELEASE, DEBIAN_VERSION, ...REDHAT_RELEASES] },
  required: (path) => OS_RELEASE_PATHS.has(path) || path === ALPINE_RELEASE || path === DEBIAN_VERSION || REDHAT_RELEASES.has(path),
  analyze(file): AnalysisResult {
    const os = parse(file);
    const result = emptyResult();
    if (os) result.os = os;
    else result.warnings.push(`${file.path}: no operating system release could be read`);
    return result;
  },
};

/** Source of an OS detection, for picking among several files. */
export function releaseFileKind(path: string): (typeof RELEASE_FILE_PRIORITY)[number] | undefined {
  if (OS_RELEASE_PATHS.has(path)) return 'os-release';
  if (path === ALPINE_RELEASE) return 'alpine-release';
  if (path === DEBIAN_VERSION) return 'debian_version';
  if (REDHAT_RELEASES.has(path)) return 'redhat-release';
  return undefined;
}
