/**
 * The scheduled vulnerability DB update with nothing changed (target ≤ 10 s), against a local
 * stand-in for the OSV bucket (test/support/osv-bucket.ts: all.zip, modified_id.csv and per-id JSON
 * over HTTP on 127.0.0.1, with ETag/Last-Modified and 304s).
 *
 * Setup: every OSV ecosystem openhss fetches by default (languages and Linux distributions), holding
 * `--records` generated records in OSV's real shape between them, imported by a first (full) run.
 * Then, `--runs` times each:
 * - floor: for each feed, one GET of its modified_id.csv, reading the first line only (the least
 *   any "has it changed?" check over HTTP can do);
 * - openhss: refreshVulnDb() as the `vulndb.update` job runs it (incremental path).
 *
 *   npm run bench:vulndb-incremental -- [--records 100000] [--runs 5]
 *
 * Prints a Markdown block on stdout (for docs/benchmarks.md).
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { DEFAULT_OSV_ECOSYSTEMS, DEFAULT_OSV_OS_ECOSYSTEMS, defaultSources, rewriteUrl, status } from '../src/vulndb/index.js';
import { refreshVulnDb } from '../src/vulndb/refresh.js';
import { generateOsvRecords } from '../test/medium/vulndb/support/generate-osv.js';
import { OsvBucket, type OsvRecord } from '../test/support/osv-bucket.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const total = arg('records', 100_000);
  const runs = arg('runs', 5);
  const ecosystems = [...DEFAULT_OSV_ECOSYSTEMS, ...DEFAULT_OSV_OS_ECOSYSTEMS];
  const sources = defaultSources({ osvEcosystems: ecosystems, alpineReleases: [], debian: false, kev: false, kubernetesCveFeed: false });
  const bucket = new OsvBucket();
  const base = Date.parse('2024-01-01T00:00:00Z');
  ecosystems.forEach((ecosystem, e) => {
    const records: OsvRecord[] = [];
    let i = 0;
    for (const r of generateOsvRecords(Math.ceil(total / ecosystems.length), 1000 + e)) {
      // Distinct ids across ecosystems, and modified times a second apart, as the csv lists them.
      records.push({ ...r, id: `${r.id as string}-${e}`, modified: new Date(base + (i++ * ecosystems.length + e) * 1000).toISOString() } as OsvRecord);
    }
    bucket.put(ecosystem, ...records);
  });
  bucket.prepare();
  const url = await bucket.start();
  const dir = mkdtempSync(join(tmpdir(), 'openhss-bench-vulndb-'));
  const file = join(dir, 'vulndb.sqlite');
  const dispatcher = new Agent();
  const http = { dispatcher, baseUrl: url };
  try {
    log(`full import of ${total} records in ${ecosystems.length} OSV ecosystems …`);
    let t = performance.now();
    const first = await refreshVulnDb(file, sources, http);
    const fullMs = performance.now() - t;
    if (!first.ok || first.mode !== 'full') throw new Error(`the first run failed: ${JSON.stringify(first.feeds.filter((f) => f.status === 'failed'))}`);
    const info = await status(file);
    log(`  ${Math.round(fullMs)} ms, ${info.feeds.reduce((n, f) => n + f.records, 0)} records, ${(info.sizeBytes ?? 0) >> 20} MiB`);

    const floor: number[] = [];
    const ours: number[] = [];
    for (let run = 0; run < runs; run++) {
      t = performance.now();
      await Promise.all(
        sources.map(async (s) => {
          const res = await request(rewriteUrl(s.url.replace(/all\.zip$/, 'modified_id.csv'), url), { dispatcher });
          const lines = createInterface({ input: res.body });
          for await (const _ of lines) break;
          lines.close();
          res.body.destroy();
        }),
      );
      floor.push(performance.now() - t);
      t = performance.now();
      const result = await refreshVulnDb(file, sources, http);
      ours.push(performance.now() - t);
      if (result.swapped || !result.feeds.every((f) => f.status === 'not-modified' && f.via === 'incremental')) throw new Error(`run ${run} was not a no-op: ${JSON.stringify(result.feeds)}`);
      log(`  run ${run + 1}: floor ${floor.at(-1)!.toFixed(0)} ms, openhss ${ours.at(-1)!.toFixed(0)} ms`);
    }
    const cpu = cpus();
    const date = new Date().toISOString().slice(0, 10);
    process.stdout.write(
      [
        `${date}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ${total} records in ${ecosystems.length} OSV ecosystems (DB ${(info.sizeBytes ?? 0) >> 20} MiB); ${runs} runs`,
        '',
        '| step | median ms | max ms | vs floor | target |',
        '| --- | ---: | ---: | ---: | --- |',
        `| floor: first line of every modified_id.csv | ${median(floor).toFixed(0)} | ${Math.max(...floor).toFixed(0)} | 1.00× | |`,
        `| scheduled update, nothing changed (incremental) | ${median(ours).toFixed(0)} | ${Math.max(...ours).toFixed(0)} | ${(median(ours) / median(floor)).toFixed(2)}× | ≤ 10,000 ms |`,
        `| first (full) import, for reference | ${fullMs.toFixed(0)} | | | |`,
        '',
      ].join('\n'),
    );
  } finally {
    await dispatcher.close();
    await bucket.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
