import type { LanguagePackage } from '../../domain/package.js';
import { emptyResult, type AnalysisResult, type SyncAnalyzer, type AnalyzerFile } from '../analyzer.js';

const DIST_INFO = /\.dist-info\/METADATA$/;
const EGG_INFO = /\.egg-info\/PKG-INFO$|\.egg-info$/;
const POETRY_LOCK = /(^|\/)poetry\.lock$/;
const REQUIREMENTS = /(^|\/)requirements[^/]*\.txt$/;

/** PEP 503 normalisation, the form PyPI advisories use. */
export const normalizePythonName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

function pkg(name: string, version: string, file: AnalyzerFile): LanguagePackage {
  return { type: 'pypi', name: normalizePythonName(name), version, location: { path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) } };
}

/** Core metadata (METADATA, PKG-INFO): RFC 822 headers up to the first blank line. */
function fromCoreMetadata(file: AnalyzerFile, result: AnalysisResult): void {
  const header = file.content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const name = /^Name:\s*(.+)$/m.exec(header)?.[1]?.trim();
  const version = /^Version:\s*(.+)$/m.exec(header)?.[1]?.trim();
  if (name && version) result.packages.push(pkg(name, version, file));
  else result.warnings.push(`${file.path}: no Name or Version; skipped`);
}

/** poetry.lock: TOML `[[package]]` tables; only name and version are needed, so a line reader suffices. */
function fromPoetryLock(file: AnalyzerFile, result: AnalysisResult): void {
  let inPackage = false;
  let name: string | undefined;
  let version: string | undefined;
  const flush = () => {
    if (name && version) result.packages.push(pkg(name, version, file));
    name = version = undefined;
  };
  for (const line of file.content.toString('utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) {
      flush();
      inPackage = trimmed === '[[package]]';
      continue;
    }
    if (!inPackage) continue;
    const m = /^(name|version)\s*=\s*"([^"]*)"/.exec(trimmed);
    if (m?.[1] === 'name') name = m[2];
    if (m?.[1] === 'version') version = m[2];
  }
  flush();
}

/** Only exact pins (`name==1.2.3`) say what is installed; ranges are left out on purpose. */
function fromRequirements(file: AnalyzerFile, result: AnalysisResult): void {
  for (const raw of file.content.toString('utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith('-')) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.!+_-]+)\s*(;.*)?$/.exec(line);
    if (m) result.packages.push(pkg(m[1]!, m[3]!, file));
  }
}

/** Python packages: installed distributions (dist-info, egg-info), poetry.lock and pinned requirements files. */
export const pythonAnalyzer: SyncAnalyzer = {
  name: 'python',
  version: 1,
  pathHint: { names: ['metadata', 'pkg-info', 'poetry.lock'], nameSuffixes: ['.egg-info', '.txt'] },
  required: (path) => DIST_INFO.test(path) || EGG_INFO.test(path) || POETRY_LOCK.test(path) || REQUIREMENTS.test(path),
  analyze(file) {
    const result = emptyResult();
    if (POETRY_LOCK.test(file.path)) fromPoetryLock(file, result);
    else if (REQUIREMENTS.test(file.path)) fromRequirements(file, result);
    else fromCoreMetadata(file, result);
    return result;
  },
};
