import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../../src/domain/finding.js';
import { analyzeLayer, mergeLayers } from '../../src/inventory/layers.js';
import { analyzers } from '../../src/inventory/registry.js';
import { REPORT_FORMATS, reportWriters } from '../../src/reports/index.js';
import { reportFor } from '../../src/scan/scan-report.js';
import { readRootfs } from '../../src/sources/rootfs/read-rootfs.js';
import { buildDemoDb, VulnDbReader } from '../../src/vulndb/index.js';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { Ajv } from 'ajv';

const GOLDEN = join('test', 'golden');
const EXTENSIONS = { table: 'table.txt', json: 'json', sarif: 'sarif.json', cyclonedx: 'cdx.json' } as const;

/** A small Debian 12 root file system with OS packages and npm, Python and Maven-free language packages that the demo DB knows. */
function fixtureRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'openhss-golden-'));
  const put = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  put('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  const deb = (name: string, version: string, source?: string) =>
    `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ''}Version: ${version}\n`;
  put(
    'var/lib/dpkg/status',
    [deb('libc6', '2.36-9+deb12u1', 'glibc'), deb('curl', '7.88.1-10+deb12u5'), deb('libssl3', '3.0.11-1~deb12u1', 'openssl'), deb('tar', '1.34+dfsg-1.2+deb12u1')].join('\n'),
  );
  put('srv/app/package-lock.json', JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.11' } } }));
  put('srv/app/requirements.txt', 'requests==2.28.0\n');
  return root;
}

describe('golden reports: every format for a fixed scan', () => {
  let report: ScanReport;
  before(async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'openhss-golden-db-')), 'demo.sqlite');
    await buildDemoDb(dbFile);
    const reader = VulnDbReader.open(dbFile);
    const contents = await readRootfs(fixtureRoot(), (path) => analyzers.some((a) => a.required(path)));
    report = reportFor({ kind: 'rootfs', name: 'golden-fixture' }, mergeLayers([await analyzeLayer('rootfs', contents, analyzers)]), reader, Date.parse('2026-01-01T00:00:00Z'), {
      builtAt: '2026-01-01T00:00:00.000Z',
    });
    reader.close();
  });

  for (const format of REPORT_FORMATS) {
    it(`${format} matches test/golden/report.${EXTENSIONS[format]}`, () => {
      const actual = reportWriters[format](report, '0.0.0-golden');
      const file = join(GOLDEN, `report.${EXTENSIONS[format]}`);
      // UPDATE_GOLDEN=1 rewrites the expected files after a deliberate change; review the diff before committing.
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
      assert.equal(actual, readFileSync(file, 'utf8'));
    });
  }

  it('the fixture exercises fixed, will-not-fix, KEV and language findings', () => {
    const ids = report.findings.map((f) => `${f.package.name}:${f.id}:${f.status}`).sort();
    assert.ok(ids.some((i) => i.startsWith('libc6:CVE-2023-4911:fixed')), ids.join(' '));
    assert.ok(ids.some((i) => i.includes(':will_not_fix')), ids.join(' '));
    assert.ok(report.findings.some((f) => f.knownExploited));
    assert.ok(report.findings.some((f) => f.package.type === 'npm'));
    assert.ok(report.findings.some((f) => f.package.type === 'pypi'));
  });

  it('sarif validates against the published SARIF 2.1.0 JSON schema', () => {
    // test/fixtures/schemas/sarif-schema-2.1.0.json: OASIS sarif-spec, sarif-2.1/schema. It is draft-04; its only
    // draft-04-specific keyword is the top-level `id`, which draft-07 spells `$id`.
    const { id, $schema: _draft, ...rest } = JSON.parse(readFileSync(join('test', 'fixtures', 'schemas', 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    ajv.addFormat('uri', (v: string) => URL.canParse(v));
    ajv.addFormat('uri-reference', (v: string) => URL.canParse(v, 'file:///'));
    const validate = ajv.compile({ ...rest, $id: id as string });
    const sarif = JSON.parse(reportWriters.sarif(report, '0.0.0-golden')) as unknown;
    assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
  });

  it('cyclonedx validates against the CycloneDX 1.6 JSON schema (strict)', async () => {
    // The schema @cyclonedx/cyclonedx-library ships (res/schema/bom-1.6.SNAPSHOT.schema.json, with spdx and jsf).
    const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(reportWriters.cyclonedx(report, '0.0.0-golden'));
    assert.equal(errors, null, JSON.stringify(errors, null, 2));
  });
});
