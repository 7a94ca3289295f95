/**
 * `--cross-check`: the same fleet evaluated with openhss's own matcher code (evaluate() over the
 * imported DB, per distinct source version). Never the expected answer (the generator's ground
 * truth is): a diagnostic that tells, when the stored count differs, whether the matcher or the
 * storage around it disagrees with the generator.
 */
import { VulnDbReader } from '../../src/vulndb/reader.js';
import { evaluate } from '../../src/matchers/evaluate.js';
import { olderVersion, lagsOn, type Fleet } from './fleet.js';

/** Σ over hosts of the distinct ids evaluate() finds for its source versions. */
export function evaluateFleet(dbFile: string, fleet: Fleet): number {
  const reader = VulnDbReader.open(dbFile);
  try {
    const hits = new Map<string, string[]>();
    const idsOf = (name: string, version: string): string[] => {
      const key = `${name}\u0000${version}`;
      let ids = hits.get(key);
      if (!ids) {
        ids = [];
        for (const record of reader.affectedFor('Debian:12', name)) {
          if (evaluate(record, { ecosystem: 'Debian:12', name, version, scheme: 'deb' }).affected) ids.push(record.advisory.id);
        }
        hits.set(key, ids);
      }
      return ids;
    };
    const table = [0, 1, 2].map((lag) => fleet.packages.map((p) => idsOf(p.sourceName, lagsOn(lag, p.sourceName) ? olderVersion(p.sourceVersion, lag) : p.sourceVersion)));
    let rows = 0;
    for (const host of fleet.hosts) {
      const row = table[host.lag]!;
      const mine = new Set<string>();
      for (const i of host.packages) for (const id of row[i]!) mine.add(id);
      rows += mine.size;
    }
    return rows;
  } finally {
    reader.close();
  }
}
