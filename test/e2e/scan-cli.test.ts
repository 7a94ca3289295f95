import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { debootstrapBookworm } from '../support/debootstrap.js';
import { CLI } from '../support/server-process.js';

const run = promisify(execFile);

interface JsonReport {
  os?: { id: string; versionId: string };
  packages: unknown[];
  findings: Array<{ id: string; package: { name: string; version: string; source?: { name: string; version: string } }; installedVersion: string; fixedVersion: string | null; matchedRange: string; dataSource: string; location: { path: string } }>;
}

describe('openhss scan rootfs on a real Debian 12 root file system (the built CLI)', () => {
  let root: string;
  let dir: string;
  let dbFile: string;
  const sourceVersion = (source: string) =>
    execFileSync('dpkg-query', [`--admindir=${join(root, 'var/lib/dpkg')}`, '-W', '-f', '${source:Package} ${source:Version}\\n'], { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.startsWith(`${source} `))!
      .split(' ')[1]!;
  const cli = async (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: dir, OPENHSS_DATA_DIR: dir }, maxBuffer: 64 * 1024 * 1024 });

  before(async () => {
    root = await debootstrapBookworm();
    dir = mkdtempSync(join(tmpdir(), 'openhss-scan-cli-'));
    dbFile = join(dir, 'test-vulndb.sqlite');
    const bookworm = (status: string, fixed?: string) => ({ releases: { bookworm: { status, ...(fixed !== undefined ? { fixed_version: fixed } : {}), urgency: 'high' } } });
    // dpkg orders v+1 after v and v~1 before it.
    const tracker = {
      tar: { 'CVE-2099-0001': bookworm('resolved', `${sourceVersion('tar')}+1`) },
      gzip: { 'CVE-2099-0002': bookworm('resolved', sourceVersion('gzip')) },
      sed: { 'CVE-2099-0003': bookworm('resolved', '0') },
      grep: { 'CVE-2099-0004': bookworm('resolved', `${sourceVersion('grep')}~1`) },
    };
    const trackerFile = join(dir, 'debian-tracker.json');
    writeFileSync(trackerFile, JSON.stringify(tracker));
    await cli('db', 'import', trackerFile, '--db', dbFile);
  });

  it('reports exactly the record whose fixed version is above the installed one, and nothing for fixed-at, fixed-below or not-affected', async () => {
    const { stdout } = await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'json', '--quiet');
    const report = JSON.parse(stdout) as JsonReport;
    assert.deepEqual(report.os, { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', version: '12 (bookworm)' });
    assert.ok(report.packages.length > 80);
    assert.deepEqual(
      report.findings.map((f) => [f.id, f.package.name, f.installedVersion, f.fixedVersion, f.dataSource, f.location.path]),
      [['CVE-2099-0001', 'tar', sourceVersion('tar'), `${sourceVersion('tar')}+1`, 'debian-tracker', 'var/lib/dpkg/status']],
    );
    assert.equal(report.findings[0]!.matchedRange, `introduced 0, fixed ${sourceVersion('tar')}+1`);
  });

  it('writes every report format, filters by severity and sets the exit code', async () => {
    const table = (await cli('scan', 'rootfs', root, '--db', dbFile, '--quiet')).stdout;
    assert.match(table, /88 packages, 1 vulnerabilities/);
    assert.match(table, /tar\s+\S+\s+\S+\+1\s+CVE-2099-0001\s+HIGH\s+fixed/);
    const sarif = JSON.parse((await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'sarif', '--quiet')).stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0].results[0].ruleId, 'CVE-2099-0001');
    const cdx = JSON.parse((await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'cyclonedx', '--quiet')).stdout);
    assert.equal(cdx.specVersion, '1.6');
    assert.ok(cdx.components.length >= 88);
    assert.deepEqual(cdx.vulnerabilities.map((v: { id: string }) => v.id), ['CVE-2099-0001']);
    assert.match(cdx.vulnerabilities[0].affects[0].ref, /^pkg:deb\/debian\/tar@/);
    const onlyLow = JSON.parse((await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'json', '--severity', 'low', '--quiet')).stdout) as JsonReport;
    assert.deepEqual(onlyLow.findings, []);
    await assert.rejects(cli('scan', 'rootfs', root, '--db', dbFile, '--exit-code', '3', '--quiet'), (err: { code?: number }) => err.code === 3);
    await assert.rejects(cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'xml'), /--format: xml is not one of table, json, sarif, cyclonedx/);
  });

  it('scans its own CycloneDX output as an SBOM and finds the same thing', async () => {
    const sbom = join(dir, 'sbom.cdx.json');
    await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'cyclonedx', '--output', sbom, '--quiet');
    const fromSbom = JSON.parse((await cli('scan', 'sbom', sbom, '--db', dbFile, '--format', 'json', '--quiet')).stdout) as JsonReport;
    assert.deepEqual(fromSbom.os, { id: 'debian', versionId: '12' });
    assert.deepEqual(fromSbom.findings.map((f) => [f.id, f.package.name, f.fixedVersion]), [['CVE-2099-0001', 'tar', `${sourceVersion('tar')}+1`]]);
    const libc = (fromSbom.packages as Array<{ name: string; source?: { name: string } }>).find((p) => p.name === 'libc6');
    assert.equal(libc?.source?.name, 'glibc', 'the source package survives the round trip');
  });
});
