import { emptyResult, type SyncAnalyzer } from '../analyzer.js';

const CARGO_LOCK = /(^|\/)Cargo\.lock$/;

/** Rust crates from Cargo.lock `[[package]]` tables; path and git crates (no registry source) are left out. */
export const cargoAnalyzer: SyncAnalyzer = {
  name: 'cargo',
  version: 1,
  pathHint: { names: ['cargo.lock'] },
  required: (path) => CARGO_LOCK.test(path),
  analyze(file) {
    const result = emptyResult();
    const tables = file.content.toString('utf8').split(/^\[\[package\]\]\s*$/m).slice(1);
    for (const table of tables) {
      const field = (key: string) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(table.split(/^\[/m)[0]!)?.[1];
      const name = field('name');
      const version = field('version');
      const source = field('source');
      if (!name || !version || !(source?.startsWith('registry+') || source?.startsWith('sparse+'))) continue;
      result.packages.push({ type: 'cargo', name, version, location: { path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) } });
    }
    return result;
  },
};
