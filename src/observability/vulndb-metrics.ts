import { Gauge, type Registry } from 'prom-client';
import { openVulnDbReadonly } from '../vulndb/store.js';
import { readUpdateState } from '../vulndb/refresh.js';

/** What the vulnerability DB gauges read: the file's feeds table and meta, not the (costly) per-ecosystem counts. */
function readLight(file: string): { builtAt: number | null; demo: boolean; feeds: Array<{ name: string; records: number }> } | null {
  let db;
  try {
    db = openVulnDbReadonly(file);
  } catch {
    return null;
  }
  try {
    const meta = db.prepare('select value from meta where key = ?').pluck();
    const builtAt = meta.get('built_at') as string | undefined;
    return {
      builtAt: builtAt ? Date.parse(builtAt) : null,
      demo: meta.get('demo') === 'true',
      feeds: db.prepare('select name, records from feeds order by name').all() as Array<{ name: string; records: number }>,
    };
  } finally {
    db.close();
  }
}

/**
 * Vulnerability DB gauges on `/metrics`: its age, records per feed, whether it is the demo, and the
 * time of the last successful update, read from the file at each scrape.
 */
export function registerVulnDbMetrics(registry: Registry, dbFile: string, now: () => number = Date.now): void {
  new Gauge({
    name: 'openhss_vulndb_age_seconds',
    help: 'Seconds since the vulnerability DB in use was built (absent when there is none)',
    registers: [registry],
    collect() {
      this.reset();
      const info = readLight(dbFile);
      if (info?.builtAt != null) this.set(Math.max(0, Math.round((now() - info.builtAt) / 1000)));
    },
  });
  new Gauge({
    name: 'openhss_vulndb_records',
    help: 'Advisory records in the vulnerability DB per feed',
    labelNames: ['feed'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const f of readLight(dbFile)?.feeds ?? []) this.set({ feed: f.name }, f.records);
    },
  });
  new Gauge({
    name: 'openhss_vulndb_demo',
    help: '1 while the built-in demo vulnerability DB (sample advisories only) is in use',
    registers: [registry],
    collect() {
      this.set(readLight(dbFile)?.demo ? 1 : 0);
    },
  });
  new Gauge({
    name: 'openhss_vulndb_last_success_timestamp_seconds',
    help: 'When the last vulnerability DB update with every feed fetched finished (absent before the first)',
    registers: [registry],
    collect() {
      this.reset();
      const at = readUpdateState(dbFile).lastSuccessAt;
      if (at) this.set(Math.round(Date.parse(at) / 1000));
    },
  });
}
