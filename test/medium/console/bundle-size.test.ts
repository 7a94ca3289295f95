// The console's first download stays small: the entry script and everything it
// imports statically (what a browser must fetch before the first paint) is at
// most 300 KB gzip, and every page is a lazily loaded chunk. Reads the Vite
// manifest of the build `npm test` runs first (dist/console).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const OUT = join(import.meta.dirname, '../../../dist/console');
const LIMIT = 300_000;

interface Chunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

function load(): Record<string, Chunk> {
  const path = join(OUT, '.vite/manifest.json');
  assert.ok(existsSync(path), `${path} is missing: build the console (npm run build)`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, Chunk>;
}

/** The files a browser loads for `keys` before running them: the chunks and their static imports, transitively. */
function closure(manifest: Record<string, Chunk>, keys: string[]): Set<string> {
  const files = new Set<string>();
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    assert.ok(chunk, `manifest has no ${key}`);
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    for (const k of chunk.imports ?? []) visit(k);
  };
  keys.forEach(visit);
  return files;
}

const gzipBytes = (files: Iterable<string>) => [...files].reduce((sum, f) => sum + gzipSync(readFileSync(join(OUT, f)), { level: 9 }).length, 0);

test('the initial JavaScript (entry and its static imports) is at most 300 KB gzip', (t) => {
  const manifest = load();
  const entries = Object.entries(manifest).filter(([, c]) => c.isEntry);
  assert.equal(entries.length, 1, 'one entry: index.html');
  const initial = closure(manifest, [entries[0]![0]]);
  const js = [...initial].filter((f) => f.endsWith('.js'));
  const size = gzipBytes(js);
  t.diagnostic(`initial JS: ${js.length} files, ${size} bytes gzip (limit ${LIMIT})`);
  assert.ok(size <= LIMIT, `initial JS is ${size} bytes gzip, over ${LIMIT}`);
});

test('every page is loaded lazily, not in the initial download', (t) => {
  const manifest = load();
  const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry)!;
  const initial = closure(manifest, [entryKey]);
  const pages = Object.keys(manifest).filter((k) => /^src\/pages\/[^/]+\/index\.tsx$/.test(k) || k === 'src/pages/SignIn.tsx');
  assert.ok(pages.length >= 10, `the manifest lists the pages as chunks (${pages.length})`);
  for (const page of pages) {
    assert.ok(!initial.has(manifest[page]!.file), `${page} is part of the initial download`);
    assert.ok(manifest[entryKey]!.dynamicImports?.includes(page), `${page} is imported dynamically by the entry`);
    const routeFiles = closure(manifest, page.endsWith('SignIn.tsx') ? [entryKey, page] : [entryKey, 'src/layout/AppLayout.tsx', page]);
    t.diagnostic(`${page}: ${gzipBytes([...routeFiles].filter((f) => f.endsWith('.js')))} bytes gzip with the entry (and the shell)`);
  }
});
