import type { LanguagePackage } from '../../domain/package.js';
import { emptyResult, type AnalysisResult, type SyncAnalyzer, type AnalyzerFile } from '../analyzer.js';

const LOCKFILE = /(^|\/)package-lock\.json$/;
const INSTALLED_MANIFEST = /(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/;

function pkg(name: string, version: string, file: AnalyzerFile): LanguagePackage {
  return { type: 'npm', name, version, location: { path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) } };
}

interface LockV1Dependency {
  version?: string;
  dependencies?: Record<string, LockV1Dependency>;
}

/** v1 nests dependencies by name; v2 and v3 list them flat under `packages` keyed by install path. */
function fromLockfile(file: AnalyzerFile, result: AnalysisResult): void {
  let lock: { lockfileVersion?: number; packages?: Record<string, { version?: string; name?: string; link?: boolean }>; dependencies?: Record<string, LockV1Dependency> };
  try {
    lock = JSON.parse(file.content.toString('utf8'));
  } catch {
    result.warnings.push(`${file.path}: not valid JSON; skipped`);
    return;
  }
  const seen = new Set<string>();
  const add = (name: string, version: string | undefined) => {
    if (!version || seen.has(`${name}@${version}`)) return;
    seen.add(`${name}@${version}`);
    result.packages.push(pkg(name, version, file));
  };
  if (lock.packages) {
    for (const [installPath, entry] of Object.entries(lock.packages)) {
      // "" is the project itself; links point at workspace folders, not registry packages.
      if (installPath === '' || entry.link) continue;
      const name = entry.name ?? installPath.slice(installPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
      add(name, entry.version);
    }
    return;
  }
  const walk = (deps: Record<string, LockV1Dependency> | undefined) => {
    for (const [name, dep] of Object.entries(deps ?? {})) {
      add(name, dep.version);
      walk(dep.dependencies);
    }
  };
  walk(lock.dependencies);
}

function fromInstalledManifest(file: AnalyzerFile, result: AnalysisResult): void {
  try {
    const manifest = JSON.parse(file.content.toString('utf8')) as { name?: unknown; version?: unknown };
    if (typeof manifest.name === 'string' && typeof manifest.version === 'string') result.packages.push(pkg(manifest.name, manifest.version, file));
  } catch {
    result.warnings.push(`${file.path}: not valid JSON; skipped`);
  }
}

/** npm packages: lockfiles (v1–v3) and the package.json of each installed module. */
export const npmAnalyzer: SyncAnalyzer = {
  name: 'npm',
  version: 1,
  pathHint: { names: ['package-lock.json', 'package.json'] },
  required: (path) => LOCKFILE.test(path) || INSTALLED_MANIFEST.test(path),
  analyze(file) {
    const result = emptyResult();
    if (LOCKFILE.test(file.path)) fromLockfile(file, result);
    else fromInstalledManifest(file, result);
    return result;
  },
};
