import type { ApkPackage } from '../../domain/package.js';
import { emptyResult, type AnalysisResult, type SyncAnalyzer } from '../analyzer.js';

const INSTALLED_DB = 'lib/apk/db/installed';

/**
 * apk's installed database: blank-line separated records of one-letter
 * fields (P name, V version, A arch, o origin). File lists (F, R, …) are
 * ignored: only the package identity matters for matching.
 */
export const apkAnalyzer: SyncAnalyzer = {
  name: 'apk',
  version: 1,
  pathHint: { paths: [INSTALLED_DB] },
  required: (path) => path === INSTALLED_DB,
  analyze(file): AnalysisResult {
    const result = emptyResult();
    for (const record of file.content.toString('utf8').split(/\n\s*\n/)) {
      const fields: Record<string, string> = {};
      for (const line of record.split('\n')) {
        if (line.length < 2 || line[1] !== ':') continue;
        const key = line[0]!;
        // The first occurrence wins: file entries repeat some letters later in the record.
        if (['P', 'V', 'A', 'o'].includes(key) && fields[key] === undefined) fields[key] = line.slice(2).trim();
      }
      if (Object.keys(fields).length === 0) continue;
      const name = fields.P;
      const version = fields.V;
      if (!name || !version) {
        result.warnings.push(`${file.path}: a record without P: or V: was skipped`);
        continue;
      }
      const pkg: ApkPackage = {
        type: 'apk',
        name,
        version,
        architecture: fields.A ?? 'unknown',
        origin: fields.o ?? name,
        location: { path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) },
      };
      result.packages.push(pkg);
    }
    return result;
  },
};
