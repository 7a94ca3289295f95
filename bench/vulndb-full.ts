/**
 * Vulnerability DB at the real size: about 650,000 generated OSV records across every ecosystem
 * (bench/support/osv-full-size.ts: the real ecosystem strings, id schemes, version formats, ranges,
 * aliases and severity of each family), one all.zip per ecosystem as the OSV bucket serves them.
 * The corpus is generated once and kept under ~/.cache/openhss-bench.
 *
 * Each phase runs in a child process of its own (peak RSS is VmHWM of that child):
 * - floor: unzip every entry of every all.zip and JSON.parse it, writing nothing;
 * - import: `openhss db import DIR`'s code (importPath) into a fresh DB; targets ≤ 3 min, ≤ 500 MB;
 * - match, like for like: the hit set (bench/support/osv-hit-set.ts: records that hit an image and a
 *   host inventory, names the corpus never uses) is imported into the demo DB ("today's") and into
 *   the full DB, so both find the same findings; each inventory is matched against both
 *   alternately, median of each; target: the full DB no slower than today's (within 10 %, noise).
 *   Their finding counts must equal the hit set's expected counts on both DBs.
 * - match, the earlier measurement: a host named as in the corpus, 7,753 findings on the full DB
 *   against 6 on the demo; not like for like, shown for what evaluating that many findings costs.
 * The DB's advisory count and every feed's record count must equal the generator's own ground
 * truth; the bench exits 1 when they differ, a finding count differs or a target is missed.
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
import { hitSet } from './support/osv-hit-set.js';
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

  // Today's DB: the demo DB plus the hit set; the full DB gets the same hit set (a loose-file feed, osv-files/bench-hits).
  const hits = join(work, 'bench-hits');
  mkdirSync(hits);
  const hitRecords = hitSet().records;
  for (const record of hitRecords) writeFileSync(join(hits, `${record.id as string}.json`), JSON.stringify(record));
  const small = join(work, 'today.sqlite');
  await buildDemoDb(small);
  for (const file of [small, db]) {
    const added = await runPhase('bench/support/vulndb-import-child.ts', [hits, file]);
    const feed = (added.feeds as Array<{ feed: string; records: number }>)[0];
    if (feed?.records !== hitRecords.length) {
      console.error(`COUNT MISMATCH: ${file} took ${feed?.records} hit-set records, the generator wrote ${hitRecords.length}`);
      failed = true;
    }
  }
  const smallAdvisories = new SQLite(small, { readonly: true });
  const todayCount = smallAdvisories.prepare('select count(*) from advisories').pluck().get() as number;
  smallAdvisories.close();
  const match = await runPhase('bench/support/vulndb-match-child.ts', [small, db, String(matchRuns)]);
  type Case = { key: string; label: string; packages: number; expected: number | null; smallMs: number; smallQ: number[]; fullMs: number; fullQ: number[]; smallCpuMs: number; fullCpuMs: number; coldSmallMs: number; coldFullMs: number; smallFindings: number[]; fullFindings: number[] };
  const cases = match.cases as Case[];

  const importMs = imported.ms as number;
  const importOk = importMs <= 180_000 && imported.maxRss <= 500 * 1024 ** 2;
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}; ${expected} generated OSV records in ${zips.length} all.zip files (${mbf(zipBytes)} MB)\n`);
  console.log('| phase | time | peak RSS MB | notes | target |');
  console.log('| --- | ---: | ---: | --- | --- |');
  console.log(`| floor: unzip + JSON.parse every record, no writes | ${((floor.ms as number) / 1000).toFixed(1)} s | ${mb(floor.maxRss)} | ${String(floor.entries)} entries | |`);
  console.log(`| import (importPath into a fresh DB) | ${(importMs / 1000).toFixed(1)} s (${(importMs / (floor.ms as number)).toFixed(1)}× floor) | ${mb(imported.maxRss)} | ${advisories} advisories (expected ${expected}), ${affectedRows} affected rows, DB ${mb(statSync(db).size)} MB | ≤ 180 s, ≤ 500 MB: ${importOk ? 'met' : 'MISSED'} |`);
  if (!importOk) failed = true;
  const q = (xs: number[]) => `${xs[0]!.toFixed(1)}–${xs[1]!.toFixed(1)}`;
  console.log(`\nMatch, median of ${matchRuns} runs per DB, alternating, same process (interquartile range in brackets); today's DB: demo + hit set, ${todayCount} advisories; full DB: ${expected + hitRecords.length} advisories (corpus + the same ${hitRecords.length}-record hit set)\n`);
  console.log("| inventory | packages | today's DB | full DB | full / today | CPU today / full | fresh reader today / full | findings (today, full, expected) | target |");
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const c of cases) {
    const ratio = c.fullMs / c.smallMs;
    const countsOk = c.expected === null || (c.smallFindings.length === 1 && c.fullFindings.length === 1 && c.smallFindings[0] === c.expected && c.fullFindings[0] === c.expected);
    if (!countsOk) {
      console.error(`FINDINGS MISMATCH: ${c.label}: today's DB ${c.smallFindings.join('/')}, full DB ${c.fullFindings.join('/')}, the generator expects ${c.expected}`);
      failed = true;
    }
    const target = c.expected === null ? 'not like for like: no target' : ratio <= 1.1 ? 'met' : 'MISSED';
    if (c.expected !== null && ratio > 1.1) failed = true;
    console.log(`| ${c.label} | ${c.packages} | ${c.smallMs.toFixed(1)} ms (${q(c.smallQ)}) | ${c.fullMs.toFixed(1)} ms (${q(c.fullQ)}) | ${ratio.toFixed(2)}× | ${c.smallCpuMs.toFixed(1)} / ${c.fullCpuMs.toFixed(1)} ms | ${c.coldSmallMs.toFixed(1)} / ${c.coldFullMs.toFixed(1)} ms | ${c.smallFindings.join('/')}, ${c.fullFindings.join('/')}, ${c.expected ?? '—'} | ${c.expected === null ? target : `≤ today (+10 %): ${target}`} |`);
  }
  console.log(`\npeak RSS of the match child: ${mb(match.maxRss)} MB`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
