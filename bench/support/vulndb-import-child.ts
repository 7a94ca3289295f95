/** Child of bench/vulndb-import.ts: imports one path into a fresh DB and reports time and peak RSS. */
import { performance } from 'node:perf_hooks';
import { importPath } from '../../src/vulndb/index.js';
import { report } from './child.js';

const [path, dbFile] = process.argv.slice(2) as [string, string];
const baseRss = process.memoryUsage().rss;
// Where the memory goes: peak V8 heap and peak off-heap (Buffers) sampled during the import; the rest of RSS is native (SQLite, zlib).
let heapPeak = 0;
let externalPeak = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  heapPeak = Math.max(heapPeak, m.heapTotal);
  externalPeak = Math.max(externalPeak, m.external);
}, 50);
const start = performance.now();
const result = await importPath(dbFile, path);
const ms = performance.now() - start;
clearInterval(sampler);
report({ ms, baseRss, heapPeak, externalPeak, feeds: result.feeds.map((f) => ({ feed: f.feed, records: f.records, affected: f.affected, skipped: f.skipped, warnings: f.warnings })) });
