/**
 * Vulnerability DB import benchmark: 100,000 generated OSV records (the
 * medium tests' generator) in one npm `all.zip` (ZIP64, deflated, as the OSV
 * bucket serves it), imported with `importPath` into a fresh DB in a child
 * process of its own (wall time and peak RSS). The zip is built once and kept
 * under ~/.cache/openhss-bench.
 *
 *   node --import tsx bench/vulndb-import.ts [--records 100000] [--runs 1]
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateOsvRecords } from '../test/medium/vulndb/support/generate-osv.js';
import { writeZip, type ZipEntry } from '../test/medium/vulndb/support/zip.js';
import { mb, mbf, runPhase } from './support/child.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const records = arg('records', 100_000);
const runs = arg('runs', 1);
const CACHE = process.env.OPENHSS_BENCH_CACHE ?? join(homedir(), '.cache', 'openhss-bench');

const dir = join(CACHE, `osv-${records}`, 'npm');
const zip = join(dir, 'all.zip');
if (!existsSync(zip)) {
  mkdirSync(dir, { recursive: true });
  const start = performance.now();
  const entries: ZipEntry[] = [];
  for (const record of generateOsvRecords(records, 1, 'npm')) entries.push({ name: `${record.id as string}.json`, data: JSON.stringify(record) });
  writeZip(`${zip}.tmp`, entries);
  renameSync(`${zip}.tmp`, zip);
  console.error(`built ${zip} (${records} records) in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
const zipBytes = statSync(zip).size;

const rows: Array<{ ms: number; maxRss: number; baseRss: number; heapPeak: number; externalPeak: number; records: number; affected: number; dbBytes: number }> = [];
for (let run = 0; run < runs; run++) {
  const work = mkdtempSync(join(tmpdir(), 'openhss-bench-vulndb-'));
  try {
    const db = join(work, 'vulndb.sqlite');
    const r = await runPhase('bench/support/vulndb-import-child.ts', [zip, db]);
    const feeds = r.feeds as Array<{ records: number; affected: number }>;
    rows.push({ ms: r.ms as number, maxRss: r.maxRss, baseRss: r.baseRss, heapPeak: r.heapPeak as number, externalPeak: r.externalPeak as number, records: feeds.reduce((n, f) => n + f.records, 0), affected: feeds.reduce((n, f) => n + f.affected, 0), dbBytes: statSync(db).size });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}, ${records} generated OSV records in one all.zip (${mbf(zipBytes)} MB)\n`);
console.log('| run | import s | records | affected rows | DB MB | peak RSS MB | RSS before import MB | peak V8 heap MB | peak external MB | target |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
rows.forEach((r, i) =>
  console.log(`| ${i + 1} | ${(r.ms / 1000).toFixed(1)} | ${r.records} | ${r.affected} | ${mb(r.dbBytes)} | ${mb(r.maxRss)} | ${mb(r.baseRss)} | ${mb(r.heapPeak)} | ${mb(r.externalPeak)} | ≤ 30 s: ${r.ms <= 30_000 ? 'met' : 'MISSED'} |`),
);
