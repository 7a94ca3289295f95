/** Child of bench/vulndb-full.ts: the floor, reading every all.zip under a directory (unzip + JSON.parse of each entry) without writing anything. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { forEachZipEntry } from '../../src/vulndb/zip.js';
import { report } from './child.js';

const [dir] = process.argv.slice(2) as [string];
const baseRss = process.memoryUsage().rss;
const start = performance.now();
let entries = 0;
for (const family of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  await forEachZipEntry(join(dir, family, 'all.zip'), (_name, data) => {
    JSON.parse(data.toString('utf8'));
    entries++;
  });
}
report({ ms: performance.now() - start, baseRss, entries });
