/**
 * Vulnerability DB at the real size: about 650,000 generated OSV records across every ecosystem
 * (bench/support/osv-full-size.ts: the real ecosystem strings, id schemes, version formats, ranges,
 * aliases and severity of each family), one all.zip per ecosystem as the OSV bucket serves them.
 * The corpus is generated once and kept under ~/.cache/openhss-bench.
 *
 * Each phase runs in a child process of its own (peak RSS is VmHWM of that child):
 * - floor: unzip every entry of every all.zip and JSON.parse it, writing nothing;
 * - import: `openhss db import DIR`'s code (importPath) into a fresh DB; targets ≤ 3 min, ≤ 500 MB;
 * - match: one generated host inventory matched against the demo DB and the full DB alternately,
 *   median of each; target: the full DB no slower than the demo DB (within 10 %, timer noise).
 * The DB's advisory count and every feed's record count must equal the generator's own ground
 * truth; the bench exits 1 when they differ or a target is missed.
 *
 *   node --import tsx bench/vulndb-full.ts [--scale 1] [--match-runs 15]
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { buildDemoDb } from '../src/vulndb/index.js';
import { mb, mbf, runPhase } from './support/child.js';
import { writeCorpus } from './support/osv-full-size.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const scale = arg('scale', 1);
const matchRuns = arg('match-runs', 15);
const CACHE = process.env.OPENHSS_BENCH_CACHE ?? join(homedir(), '.cache', 'openhss-bench');
const corpus = join(CACHE, `osv-full-v1-x${scale}`);
const truthFile = join(corpus, 'truth.json');

if (!existsSync(truthFile)) {
  const start = performance.now();
  const building = `${corpus}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const truth = writeCorpus(building, scale);
  writeFileSync(join(building, 'truth.json'), JSON.stringify(Object.fromEntries(truth)));
  rmSync(corpus, { recursive: true, force: true });
  renameSync(building, corpus);
  console.error(`generated ${corpus} in ${((performance.now() - start) / 1000).toFixed(0)} s`);
}
const truth = new Map(Object.entries(JSON.parse(readFileSync(truthFile, 'utf8')) as Record<string, number>));
const expected = [...truth.values()].reduce((a, b) => a + b, 0);
// importPath reads every all.zip under the directory; truth.json is not a feed and is ignored
const zips = readdirSync(corpus).filter((d) => existsSync(join(corpus, d, 'all.zip')));
const zipBytes = zips.reduce((n, d) => n + statSync(join(corpus, d, 'all.zip')).size, 0);

const work = mkdtempSync(join(tmpdir(), 'openhss-bench-vulndb-full-'));
let failed = false;
try {
  const floor = await runPhase('bench/support/vulndb-floor-child.ts', [corpus]);
  const db = join(work, 'vulndb.sqlite');
  const imported = await runPhase('bench/support/vulndb-import-child.ts', [corpus, db]);
  const feeds = imported.feeds as Array<{ feed: string; records: number; affected: number; skipped: number }>;

  const sqlite = new SQLite(db, { readonly: true });
  const advisories = sqlite.prepare('select count(*) from advisories').pluck().get() as number;
  const affectedRows = sqlite.prepare('select count(*) from affected').pluck().get() as number;
  sqlite.close();
  const wrong = [...truth].filter(([feed, n]) => feeds.find((f) => f.feed === feed)?.records !== n);
  if (advisories !== expected || wrong.length > 0) {
    console.error(`COUNT MISMATCH: the DB holds ${advisories} advisories, the generator wrote ${expected}; feeds differing: ${wrong.map(([f, n]) => `${f} (${n} written, ${feeds.find((x) => x.feed === f)?.records} imported)`).join(', ') || 'none'}`);
    failed = true;
  }

  const demo = join(work, 'demo.sqlite');
  await buildDemoDb(demo);
  const match = await runPhase('bench/support/vulndb-match-child.ts', [demo, db, String(matchRuns)]);

  const importMs = imported.ms as number;
  const importOk = importMs <= 180_000 && imported.maxRss <= 500 * 1024 ** 2;
  const matchOk = (match.fullMs as number) <= (match.demoMs as number) * 1.1;
  if (!importOk || !matchOk) failed = true;
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}; ${expected} generated OSV records in ${zips.length} all.zip files (${mbf(zipBytes)} MB)\n`);
  console.log('| phase | time | peak RSS MB | notes | target |');
  console.log('| --- | ---: | ---: | --- | --- |');
  console.log(`| floor: unzip + JSON.parse every record, no writes | ${((floor.ms as number) / 1000).toFixed(1)} s | ${mb(floor.maxRss)} | ${String(floor.entries)} entries | |`);
  console.log(`| import (importPath into a fresh DB) | ${(importMs / 1000).toFixed(1)} s (${(importMs / (floor.ms as number)).toFixed(1)}× floor) | ${mb(imported.maxRss)} | ${advisories} advisories (expected ${expected}), ${affectedRows} affected rows, DB ${mb(statSync(db).size)} MB | ≤ 180 s, ≤ 500 MB: ${importOk ? 'met' : 'MISSED'} |`);
  console.log(`| match, demo DB (${String(match.packages)} packages, median of ${matchRuns}) | ${(match.demoMs as number).toFixed(1)} ms | | ${String(match.demoFindings)} findings | |`);
  console.log(`| match, full DB (same inventory, same process) | ${(match.fullMs as number).toFixed(1)} ms (${((match.fullMs as number) / (match.demoMs as number)).toFixed(2)}× demo) | ${mb(match.maxRss)} | ${String(match.fullFindings)} findings | ≤ demo (+10 %): ${matchOk ? 'met' : 'MISSED'} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
