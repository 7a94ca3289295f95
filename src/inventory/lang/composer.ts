import { emptyResult, fileLocation, type SyncAnalyzer } from '../analyzer.js';

const LOCKFILE = /(^|\/)composer\.lock$/;
const INSTALLED = /(^|\/)composer\/installed\.json$/;

type Entry = { name?: unknown; version?: unknown };

/**
 * PHP packages from Composer: composer.lock (`packages` and
 * `packages-dev`) and what is installed, vendor/composer/installed.json
 * (Composer 1 writes an array of packages, Composer 2 `{ "packages": [...] }`).
 * Versions are kept as written ("v5.4.21", "dev-main"); the comparator
 * normalises them as Composer does and refuses branches.
 */
export const composerAnalyzer: SyncAnalyzer = {
  name: 'composer',
  version: 1,
  pathHint: { names: ['composer.lock', 'installed.json'] },
  required: (path) => LOCKFILE.test(path) || INSTALLED.test(path),
  analyze(file) {
    const result = emptyResult();
    let doc: unknown;
    try {
      doc = JSON.parse(file.content.toString('utf8'));
    } catch {
      result.warnings.push(`${file.path}: not valid JSON; skipped`);
      return result;
    }
    const lists: unknown[] = Array.isArray(doc)
      ? [doc]
      : typeof doc === 'object' && doc !== null
        ? LOCKFILE.test(file.path)
          ? [(doc as Record<string, unknown>).packages, (doc as Record<string, unknown>)['packages-dev']]
          : [(doc as Record<string, unknown>).packages]
        : [];
    const seen = new Set<string>();
    for (const list of lists) {
      if (!Array.isArray(list)) continue;
      for (const entry of list as Entry[]) {
        if (typeof entry?.name !== 'string' || typeof entry.version !== 'string' || entry.version === '') continue;
        if (seen.has(`${entry.name}@${entry.version}`)) continue;
        seen.add(`${entry.name}@${entry.version}`);
        result.packages.push({ type: 'composer', name: entry.name, version: entry.version, location: fileLocation(file) });
      }
    }
    return result;
  },
};
