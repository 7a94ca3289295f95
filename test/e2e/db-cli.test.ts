import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, freePort } from '../support/server-process.js';

const run = promisify(execFile);

/** Runs the built CLI; resolves with its exit code and output whether it fails or not. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('openhss db (the built CLI) when the input or the network is missing', { timeout: 120_000 }, () => {
  it('db import with a missing, empty or feedless path says so, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhss-db-cli-'));
    try {
      const env = { HOME: dir, OPENHSS_DATA_DIR: dir };
      mkdirSync(join(dir, 'empty'));
      for (const [path, message] of [
        [join(dir, 'missing'), /^openhss db import: \S+missing does not exist$/],
        ['', /^openhss db import: give a feed file or a directory of feeds/],
        [join(dir, 'empty'), /^openhss db import: \S+empty holds no feed files openhss can import$/],
      ] as const) {
        const result = await cli(['db', 'import', path], env);
        assert.notEqual(result.code, 0, `${path}: exits non-zero`);
        assert.match(result.stderr.trim(), message);
        assert.equal(result.stderr.trim().split('\n').length, 1, `one line, no stack trace:\n${result.stderr}`);
        assert.doesNotMatch(result.stderr, /\n\s+at /);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('db update that cannot reach its feeds tells how to use a mirror or db import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhss-db-cli-'));
    try {
      // Nothing listens on this port: every feed fails at once, as on a machine without Internet access.
      const mirror = `http://127.0.0.1:${await freePort()}`;
      const result = await cli(['db', 'update', '--mirror', mirror, '--db', join(dir, 'vulndb.sqlite')], { HOME: dir, OPENHSS_DATA_DIR: dir });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /openhss db update --mirror URL/);
      assert.match(result.stderr, /openhss db import PATH/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
