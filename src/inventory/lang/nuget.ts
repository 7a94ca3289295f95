import type { LanguagePackage } from '../../domain/package.js';
import { emptyResult, fileLocation, type AnalysisResult, type AnalyzerFile, type SyncAnalyzer } from '../analyzer.js';

const LOCKFILE = /(^|\/)packages\.lock\.json$/;
const DEPS_JSON = /(^|\/)[^/]+\.deps\.json$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(file: AnalyzerFile, result: AnalysisResult): Json | null {
  try {
    const value: unknown = JSON.parse(file.content.toString('utf8').replace(/^\uFEFF/, ''));
    if (isObject(value)) return value;
  } catch {
    // reported below
  }
  result.warnings.push(`${file.path}: not a JSON object; skipped`);
  return null;
}

function collector(file: AnalyzerFile, result: AnalysisResult): (name: string, version: string) => void {
  const seen = new Set<string>();
  return (name, version) => {
    // NuGet ids are case-insensitive.
    const key = `${name.toLowerCase()}@${version}`;
    if (seen.has(key)) return;
    seen.add(key);
    result.packages.push({ type: 'nuget', name, version, location: fileLocation(file) } satisfies LanguagePackage);
  };
}

/**
 * packages.lock.json (`dotnet restore --use-lock-file`): `dependencies` →
 * target framework (`net8.0`, `net8.0/linux-x64`) → package id →
 * `{ type, resolved }`. Project references (type `Project`) are the
 * solution's own code and are left out.
 */
function fromLockfile(file: AnalyzerFile, result: AnalysisResult): void {
  const lock = parse(file, result);
  if (!lock) return;
  const add = collector(file, result);
  for (const framework of Object.values(isObject(lock.dependencies) ? lock.dependencies : {})) {
    if (!isObject(framework)) continue;
    for (const [name, entry] of Object.entries(framework)) {
      if (!isObject(entry) || entry.type === 'Project' || typeof entry.resolved !== 'string') continue;
      add(name, entry.resolved);
    }
  }
}

/**
 * `<app>.deps.json`, which `dotnet publish` puts beside the application:
 * `libraries` keyed `Name/Version`; only `"type": "package"` entries came
 * from NuGet (`project` and `reference` are the application's own, and
 * runtime packs ship with the runtime).
 */
function fromDepsJson(file: AnalyzerFile, result: AnalysisResult): void {
  const deps = parse(file, result);
  if (!deps) return;
  const add = collector(file, result);
  for (const [key, library] of Object.entries(isObject(deps.libraries) ? deps.libraries : {})) {
    if (!isObject(library) || library.type !== 'package') continue;
    const slash = key.lastIndexOf('/');
    if (slash <= 0 || slash === key.length - 1) {
      result.warnings.push(`${file.path}: library ${JSON.stringify(key)} is not Name/Version; skipped`);
      continue;
    }
    add(key.slice(0, slash), key.slice(slash + 1));
  }
}

/** .NET packages from NuGet: lock files and the deps.json of published applications. */
export const nugetAnalyzer: SyncAnalyzer = {
  name: 'nuget',
  version: 1,
  pathHint: { names: ['packages.lock.json'], nameSuffixes: ['.deps.json'] },
  required: (path) => LOCKFILE.test(path) || DEPS_JSON.test(path),
  analyze(file) {
    const result = emptyResult();
    if (LOCKFILE.test(file.path)) fromLockfile(file, result);
    else fromDepsJson(file, result);
    return result;
  },
};
