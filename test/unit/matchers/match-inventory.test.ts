import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DebPackage, LanguagePackage, ApkPackage } from '../../../src/domain/package.js';
import { matchInventory, type AdvisorySource } from '../../../src/findings/match-inventory.js';
import { matchers } from '../../../src/matchers/index.js';
import type { AffectedRecord, AdvisoryRecord } from '../../../src/vulndb/index.js';

const advisory = (id: string, over: Partial<AdvisoryRecord> = {}): AdvisoryRecord => ({
  id, source: 'test', feed: 'debian-tracker', published: null, modified: null, summary: `${id} summary`, url: null,
  severity: 'high', severitySource: null, cvss: null, kev: null, aliases: [], related: [], ...over,
});

const record = (ecosystem: string, pkg: string, adv: AdvisoryRecord, over: Partial<AffectedRecord>): AffectedRecord => ({
  advisory: adv, ecosystem, package: pkg, purl: null, status: 'fixed', statusNote: null, severity: null, severityRaw: null,
  ranges: [], versions: [], fixedVersions: [], ...over,
});

const debFixed = (pkg: string, id: string, fixed: string) =>
  record('Debian:12', pkg, advisory(id), { status: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ kind: 'introduced', version: '0' }, { kind: 'fixed', version: fixed }] }], fixedVersions: [fixed] });

class FakeDb implements AdvisorySource {
  lookups: string[] = [];
  constructor(private readonly records: AffectedRecord[]) {}
  affectedFor(ecosystem: string, name: string): AffectedRecord[] {
    this.lookups.push(`${ecosystem}/${name}`);
    return this.records.filter((r) => r.ecosystem === ecosystem && r.package === name);
  }
}

const deb = (name: string, version: string, source: string, sourceVersion = version): DebPackage => ({
  type: 'deb', name, version, architecture: 'amd64', source: { name: source, version: sourceVersion }, location: { path: 'var/lib/dpkg/status', layerDigest: 'sha256:l1' },
});
const debian12 = { id: 'debian', versionId: '12' };

describe('matchInventory', () => {
  it('reports a Debian package below the fixed version, matched by source package, and not one at or above it', () => {
    const db = new FakeDb([debFixed('openssl', 'CVE-2023-0001', '3.0.11-1~deb12u2')]);
    const result = matchInventory(
      { os: debian12, packages: [deb('libssl3', '3.0.11-1~deb12u1', 'openssl'), deb('openssl', '3.0.11-1~deb12u1', 'openssl')] },
      db,
      matchers,
    );
    assert.deepEqual(result.findings.map((f) => [f.package.name, f.id, f.fixedVersion, f.status, f.matchedRange]), [
      ['libssl3', 'CVE-2023-0001', '3.0.11-1~deb12u2', 'fixed', 'introduced 0, fixed 3.0.11-1~deb12u2'],
      ['openssl', 'CVE-2023-0001', '3.0.11-1~deb12u2', 'fixed', 'introduced 0, fixed 3.0.11-1~deb12u2'],
    ]);
    assert.deepEqual(db.lookups, ['Debian:12/openssl'], 'one lookup for the source package both binaries come from');
    for (const version of ['3.0.11-1~deb12u2', '3.0.13-1~deb12u1']) {
      assert.deepEqual(matchInventory({ os: debian12, packages: [deb('libssl3', version, 'openssl')] }, db, matchers).findings, [], version);
    }
  });

  it('uses the source version, so a binNMU (+b1) of a fixed source is not reported', () => {
    const db = new FakeDb([debFixed('glibc', 'CVE-2023-4911', '2.36-9+deb12u3')]);
    const pkg = deb('libc6', '2.36-9+deb12u3+b1', 'glibc', '2.36-9+deb12u3');
    assert.deepEqual(matchInventory({ os: debian12, packages: [pkg] }, db, matchers).findings, []);
  });

  it('never uses another release’s data: a Debian 11 record does not apply to Debian 12', () => {
    const db = new FakeDb([{ ...debFixed('openssl', 'CVE-2023-0002', '9.9'), ecosystem: 'Debian:11' }]);
    assert.deepEqual(matchInventory({ os: debian12, packages: [deb('openssl', '1.0', 'openssl')] }, db, matchers).findings, []);
  });

  it('honours not-affected, unfixed and will-not-fix', () => {
    const db = new FakeDb([
      record('Debian:12', 'tar', advisory('CVE-2005-2541'), { status: 'not_affected' }),
      record('Debian:12', 'tar', advisory('CVE-2023-39804'), { status: 'unfixed', statusNote: 'postponed' }),
      record('Debian:12', 'tar', advisory('CVE-2022-48303'), { status: 'will_not_fix', statusNote: 'Minor issue' }),
    ]);
    const findings = matchInventory({ os: debian12, packages: [deb('tar', '1.34+dfsg-1.2+deb12u1', 'tar')] }, db, matchers).findings;
    assert.deepEqual(findings.map((f) => [f.id, f.status, f.fixedVersion]).sort(), [
      ['CVE-2022-48303', 'will_not_fix', null],
      ['CVE-2023-39804', 'unfixed', null],
    ]);
    assert.match(findings.find((f) => f.id === 'CVE-2023-39804')!.matchedRange, /no fix in Debian:12 yet \(postponed\)/);
  });

  it('matches language packages by OSV ranges and version lists, and picks the fix that resolves it', () => {
    const lodash = record('npm', 'lodash', advisory('GHSA-35jh-r3h4-6jhm', { feed: 'osv', aliases: ['CVE-2021-23337'] }), {
      status: 'affected',
      ranges: [
        { type: 'SEMVER', events: [{ kind: 'introduced', version: '0' }, { kind: 'fixed', version: '4.17.21' }] },
        { type: 'SEMVER', events: [{ kind: 'introduced', version: '5.0.0' }, { kind: 'fixed', version: '5.0.1' }] },
      ],
      fixedVersions: ['4.17.21', '5.0.1'],
    });
    const django = record('PyPI', 'django', advisory('PYSEC-1', { feed: 'osv' }), { status: 'affected', versions: ['2.2.1', '2.2.2'] });
    const npm = (version: string): LanguagePackage => ({ type: 'npm', name: 'lodash', version, location: { path: 'app/package-lock.json' } });
    const db = new FakeDb([lodash, django]);
    const r = matchInventory({ packages: [npm('4.17.20'), npm('4.17.21'), { type: 'pypi', name: 'django', version: '2.2.1', location: { path: 'x' } }] }, db, matchers);
    assert.deepEqual(r.findings.map((f) => [f.package.name, f.package.version, f.id, f.fixedVersion]), [
      ['lodash', '4.17.20', 'GHSA-35jh-r3h4-6jhm', '4.17.21'],
      ['django', '2.2.1', 'PYSEC-1', null],
    ]);
  });

  it('deduplicates one vulnerability reported by two advisories, under its CVE', () => {
    const db = new FakeDb([
      debFixed('openssl', 'CVE-2023-0286', '3.0.8-1'),
      { ...debFixed('openssl', 'DSA-5343-1', '3.0.8-1'), advisory: advisory('DSA-5343-1', { aliases: ['CVE-2023-0286'], severity: 'critical', kev: { dateAdded: '2024-01-01' } }) },
    ]);
    const [finding, ...rest] = matchInventory({ os: debian12, packages: [deb('openssl', '3.0.7-1', 'openssl')] }, db, matchers).findings;
    assert.equal(rest.length, 0);
    assert.equal(finding!.id, 'CVE-2023-0286');
    assert.deepEqual(finding!.aliases, ['DSA-5343-1']);
    assert.equal(finding!.severity, 'critical');
    assert.equal(finding!.knownExploited, true);
  });

  it('records an unparsable installed version as a warning instead of guessing', () => {
    const db = new FakeDb([debFixed('weird', 'CVE-1', '1.0'), debFixed('weird', 'CVE-2', '2.0')]);
    const r = matchInventory({ os: debian12, packages: [deb('weird', 'not a version!', 'weird')] }, db, matchers);
    assert.deepEqual(r.findings, []);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /Debian:12 weird not a version!: CVE-1 not evaluated: not a valid deb version/);
  });

  it('matches Alpine packages by origin against their release, and warns when an OS has no data source', () => {
    const apk: ApkPackage = { type: 'apk', name: 'libcrypto3', version: '3.1.4-r0', architecture: 'x86_64', origin: 'openssl', location: { path: 'lib/apk/db/installed' } };
    const db = new FakeDb([record('Alpine:v3.19', 'openssl', advisory('CVE-2024-1', { feed: 'alpine-secdb/v3.19/main' }), { status: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ kind: 'introduced', version: '0' }, { kind: 'fixed', version: '3.1.4-r5' }] }], fixedVersions: ['3.1.4-r5'] })]);
    assert.deepEqual(matchInventory({ os: { id: 'alpine', versionId: '3.19' }, packages: [apk] }, db, matchers).findings.map((f) => f.fixedVersion), ['3.1.4-r5']);
    const arch = matchInventory({ os: { id: 'linuxmint', versionId: '21.3' }, packages: [deb('bash', '5.1', 'bash')] }, db, matchers);
    assert.deepEqual(arch.warnings, ['no vulnerability data source for linuxmint 21.3 OS packages; they were not matched']);
    const hce = matchInventory({ os: { id: 'hce', versionId: '2.0' }, packages: [{ type: 'rpm', name: 'bash', version: '5.1.8-6.hce2', epoch: null, release: '6.hce2', architecture: 'x86_64', sourceRpm: 'bash-5.1.8-6.hce2.src.rpm', location: { path: 'var/lib/rpm/rpmdb.sqlite' } }] }, db, matchers);
    assert.equal(hce.findings.length, 0);
    assert.match(hce.warnings.join('\n'), /^hce 2\.0: Huawei Cloud EulerOS publishes no machine-readable advisory feed/);
  });
});
