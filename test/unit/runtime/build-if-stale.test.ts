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
    ['dist/cli/main.js', ''],
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
      rmSync(join(root, 'dist'), { recursive: true });
      assert.equal(staleReason(root), 'dist/ has not been built');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
