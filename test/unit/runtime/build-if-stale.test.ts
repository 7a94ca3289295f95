import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staleReason, writeStamp } from '../../../scripts/build-if-stale.mjs';

const repo = new URL('../../../', import.meta.url).pathname;

/** A project tree as the build sees it, with every file dated `at` (seconds). */
function project(at: number): string {
  const root = mkdtempSync(join(tmpdir(), 'openhss-build-stamp-'));
  for (const [path, text] of [
    ['src/cli/main.ts', 'export {};'],
    ['src/a.ts', 'export const a = 1;'],
    ['tsconfig.json', '{}'],
    ['package.json', '{}'],
    ['console/vite.config.ts', 'export default {};'],
    ['console/index.html', '<div id="root"></div>'],
    ['console/src/main.tsx', 'export {};'],
    ['console/node_modules/.vite/deps/chunk.js', ''],
    ['dist/cli/main.js', ''],
    ['dist/console/index.html', ''],
  ] as const) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    utimesSync(join(root, path), at, at);
  }
  return root;
}

describe('scripts/build-if-stale.mjs (npm start without a needless tsc)', () => {
  it('npm start and npm test build only through the freshness check', () => {
    const scripts = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.start!, /^node scripts\/build-if-stale\.mjs && node dist\/cli\/main\.js serve$/);
    assert.match(scripts.test!, /^node scripts\/build-if-stale\.mjs && /);
    assert.match(scripts.build!, /^tsc -p tsconfig\.build\.json && vite build --config console\/vite\.config\.ts\b/, 'the build makes the server and the console');
  });

  it('is fresh after a build until a source is changed, added or removed', () => {
    const root = project(1_000);
    try {
      assert.equal(staleReason(root), 'dist/ has not been built');
      writeStamp(root, 2_000_000);
      assert.equal(staleReason(root), null, 'nothing changed since the build');

      utimesSync(join(root, 'src/a.ts'), 3_000, 3_000);
      assert.equal(staleReason(root), 'src/a.ts changed');
      writeStamp(root, 4_000_000);
      assert.equal(staleReason(root), null);

      writeFileSync(join(root, 'src/b.ts'), '');
      utimesSync(join(root, 'src/b.ts'), 1_000, 1_000);
      assert.equal(staleReason(root), 'source files were added or removed', 'even a file dated before the build');
      writeStamp(root, 4_000_000);
      rmSync(join(root, 'src/b.ts'));
      assert.equal(staleReason(root), 'source files were added or removed');
      writeStamp(root, 4_000_000);

      utimesSync(join(root, 'tsconfig.json'), 5_000, 5_000);
      assert.equal(staleReason(root), 'tsconfig.json changed');
      writeStamp(root, 6_000_000);

      utimesSync(join(root, 'console/src/main.tsx'), 7_000, 7_000);
      assert.equal(staleReason(root), 'console/src/main.tsx changed', 'the console is a build input too');
      writeStamp(root, 8_000_000);
      utimesSync(join(root, 'console/vite.config.ts'), 9_000, 9_000);
      assert.equal(staleReason(root), 'console/vite.config.ts changed');
      writeStamp(root, 10_000_000);
      writeFileSync(join(root, 'console/node_modules/.vite/deps/other.js'), '');
      utimesSync(join(root, 'console/node_modules/.vite/deps/chunk.js'), 11_000, 11_000);
      assert.equal(staleReason(root), null, "vite's dependency cache is not a source");

      rmSync(join(root, 'dist/console'), { recursive: true });
      assert.equal(staleReason(root), 'dist/ has not been built', 'a dist/ without the console is rebuilt');
      writeStamp(root, 12_000_000);
      rmSync(join(root, 'dist'), { recursive: true });
      assert.equal(staleReason(root), 'dist/ has not been built');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
