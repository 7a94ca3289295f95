import type { Analyzer, PathHint } from './analyzer.js';

/**
 * One test of a path against the hints of several analyzers at once: a walk
 * of a disk asks it of every file (hundreds of thousands) instead of asking
 * each analyzer's `required`. It answers which analyzers may want the path:
 * those whose hint it meets and those without a hint; `required` decides.
 */
export interface PathFilter {
  /** The analyzers that may want this path, in their order; an empty array when none may. */
  candidates(path: string): readonly Analyzer[];
}

const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1).toLowerCase();

export function pathFilterOf(analyzers: readonly Analyzer[]): PathFilter {
  const unhinted = analyzers.filter((a) => !a.pathHint);
  // The quick test looks at the file name only: whole paths are filed under their name, verified after.
  const byName = new Map<string, Array<{ path?: string; analyzer: Analyzer }>>();
  // By the name's last extension ('.json'), the whole suffixes ('.deps.json') to compare.
  const bySuffix = new Map<string, Array<{ suffix: string; analyzer: Analyzer }>>();
  const prefixes: Array<{ prefix: string; analyzer: Analyzer }> = [];
  const file = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);
  for (const analyzer of analyzers) {
    const hint: PathHint | undefined = analyzer.pathHint;
    if (!hint) continue;
    for (const path of hint.paths ?? []) file(byName, nameOf(path), { path, analyzer });
    for (const name of hint.names ?? []) file(byName, name.toLowerCase(), { analyzer });
    for (const prefix of hint.prefixes ?? []) prefixes.push({ prefix, analyzer });
    for (const raw of hint.nameSuffixes ?? []) {
      const suffix = raw.toLowerCase();
      const dot = suffix.lastIndexOf('.');
      if (dot < 0) throw new Error(`${analyzer.name}: a name suffix begins with a dot (${raw})`);
      file(bySuffix, suffix.slice(dot), { suffix, analyzer });
    }
  }
  const order = new Map(analyzers.map((a, i) => [a, i]));
  /** The few paths the quick test lets through: exactly which analyzers' hints they meet. */
  const collect = (path: string, name: string, named: Array<{ path?: string; analyzer: Analyzer }> | undefined, suffixed: Array<{ suffix: string; analyzer: Analyzer }> | undefined) => {
    const found = new Set<Analyzer>(unhinted);
    for (const { path: whole, analyzer } of named ?? []) if (whole === undefined || whole === path) found.add(analyzer);
    for (const { suffix, analyzer } of suffixed ?? []) if (name.endsWith(suffix)) found.add(analyzer);
    for (const { prefix, analyzer } of prefixes) if (path.startsWith(prefix)) found.add(analyzer);
    return [...found].sort((a, b) => order.get(a)! - order.get(b)!);
  };
  return {
    candidates(path) {
      const name = nameOf(path);
      const named = byName.get(name);
      const dot = name.lastIndexOf('.');
      const suffixed = dot < 0 ? undefined : bySuffix.get(name.slice(dot));
      if (named || suffixed) return collect(path, name, named, suffixed);
      for (const { prefix } of prefixes) if (path.startsWith(prefix)) return collect(path, name, named, suffixed);
      return unhinted;
    },
  };
}
