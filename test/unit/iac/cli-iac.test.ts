import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_IAC_FILE_BYTES } from '../../../src/services/jobs/iac-file-service.js';

const run = promisify(execFile);

/** `openhss iac scan DIR` as a user runs it: the real CLI over real files, no server. */
async function iacScan(dir: string, args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'iac', 'scan', dir, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '' };
  }
}

const CLEAN = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  LOG_LEVEL: info\n';

describe('openhss iac scan', () => {
  it('reports a file over the size limit as not scanned, with the reason, and --exit-code counts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhss-iac-size-'));
    try {
      writeFileSync(join(dir, 'ok.yaml'), CLEAN);
      // A rendered bundle just over the limit: valid YAML, so only its size keeps it from being scanned.
      const padding = Array.from({ length: Math.ceil(MAX_IAC_FILE_BYTES / CLEAN.length) + 1 }, () => CLEAN).join('---\n');
      writeFileSync(join(dir, 'bundle.yaml'), padding);
      const json = await iacScan(dir, ['--format', 'json', '--exit-code', '4']);
      assert.equal(json.code, 4);
      const report = JSON.parse(json.stdout) as { files: Array<{ name: string; status: string; reason?: string }>; failedCount: number };
      assert.deepEqual(report.files.find((f) => f.name === 'bundle.yaml'), {
        name: 'bundle.yaml',
        type: 'k8s_yaml',
        status: 'failed',
        reason: `file is ${Buffer.byteLength(padding)} bytes, over the ${MAX_IAC_FILE_BYTES}-byte limit: not scanned`,
      });
      assert.equal(report.failedCount, 1);
      const table = await iacScan(dir, []);
      assert.equal(table.code, 0, 'without --exit-code the exit status stays 0');
      assert.match(table.stdout, /^bundle\.yaml: not scanned: file is \d+ bytes, over the \d+-byte limit/m);
      assert.match(table.stdout, /2 file\(s\), 0 failed check\(s\), 1 file\(s\) not scanned/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes UTF-16 YAML with a byte-order mark (as Windows editors save it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhss-iac-utf16-'));
    try {
      const pod = 'apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: tools\r\nspec:\r\n  hostNetwork: true\r\n  containers:\r\n    - name: tools\r\n      image: busybox:1.36\r\n';
      writeFileSync(join(dir, 'le.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pod, 'utf16le')]));
      writeFileSync(join(dir, 'be.yaml'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(pod, 'utf16le').swap16()]));
      const { stdout } = await iacScan(dir, ['--format', 'json']);
      const report = JSON.parse(stdout) as { files: Array<{ name: string; status: string; results: Array<{ rule: { id: string }; startLine: number }> }> };
      for (const name of ['be.yaml', 'le.yaml']) {
        const file = report.files.find((f) => f.name === name);
        assert.equal(file?.status, 'success', name);
        assert.deepEqual(file?.results.filter((r) => r.rule.id === 'K8S005').map((r) => r.startLine), [6], name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
