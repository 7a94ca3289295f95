import type { DebPackage } from '../../domain/package.js';
import { emptyResult, type AnalysisResult, type SyncAnalyzer } from '../analyzer.js';
import { parseControlStanzas } from './control-stanzas.js';

const STATUS_FILE = 'var/lib/dpkg/status';
const STATUS_DIR = 'var/lib/dpkg/status.d/';

/** `Source: name (version)` or `Source: name`; absent means the binary's own name and version. */
function sourceOf(fields: Record<string, string>, name: string, version: string): DebPackage['source'] {
  const source = fields.source?.trim();
  if (!source) return { name, version };
  const m = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(source);
  return m ? { name: m[1]!, version: m[2]?.trim() ?? version } : { name, version };
}

/** dpkg's own record of what is installed: the status file, and status.d/ in distroless images. */
export const dpkgAnalyzer: SyncAnalyzer = {
  name: 'dpkg',
  version: 1,
  pathHint: { paths: [STATUS_FILE], prefixes: [STATUS_DIR] },
  required: (path) => path === STATUS_FILE || (path.startsWith(STATUS_DIR) && !path.endsWith('.md5sums') && path.length > STATUS_DIR.length),
  analyze(file): AnalysisResult {
    const result = emptyResult();
    // status.d/ entries (distroless) carry no Status field: their presence means installed.
    const statusRequired = file.path === STATUS_FILE;
    for (const fields of parseControlStanzas(file.content.toString('utf8'))) {
      const name = fields.package;
      const version = fields.version;
      if (!name || !version) {
        result.warnings.push(`${file.path}: a stanza without Package or Version was skipped`);
        continue;
      }
      // "install ok installed", "hold ok installed": the last word is the package's state.
      if (statusRequired && fields.status?.split(/\s+/)[2] !== 'installed') continue;
      result.packages.push({
        type: 'deb',
        name,
        version,
        architecture: fields.architecture ?? 'unknown',
        source: sourceOf(fields, name, version),
        location: { path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) },
      });
    }
    return result;
  },
};
