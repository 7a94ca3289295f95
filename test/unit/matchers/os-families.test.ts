import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApkPackage, DebPackage, OsRelease, RpmPackage } from '../../../src/domain/package.js';
import { matchInventory, type AdvisorySource } from '../../../src/findings/match-inventory.js';
import { matchers } from '../../../src/matchers/index.js';
import type { AffectedRecord } from '../../../src/vulndb/index.js';

// Every family is matched by its own vendor's data, keyed as OSV keys it, with real package and
// version strings of that distribution. Each case has an entry fixed above the installed version (reported),
// one fixed at or below it (not reported) and one for another release of the same distribution (not reported).

const entry = (ecosystem: string, pkg: string, id: string, fixed: string, purl: string | null = null): AffectedRecord => ({
  advisory: { id, source: 'osv', feed: `osv/${ecosystem.split(':')[0]}`, published: null, modified: null, summary: id, url: null, severity: 'high', severitySource: null, cvss: null, kev: null, aliases: [], related: [] },
  ecosystem,
  package: pkg,
  purl,
  status: 'fixed',
  statusNote: null,
  severity: null,
  severityRaw: null,
  ranges: [{ type: 'ECOSYSTEM', events: [{ kind: 'introduced', version: '0' }, { kind: 'fixed', version: fixed }] }],
  versions: [],
  fixedVersions: [fixed],
});

class Db implements AdvisorySource {
  constructor(private readonly records: AffectedRecord[]) {}
  affectedFor(ecosystem: string, name: string): AffectedRecord[] {
    return this.records.filter((r) => r.ecosystem === ecosystem && r.package === name);
  }
  ecosystemsOf(family: string): readonly string[] {
    return [...new Set(this.records.map((r) => r.ecosystem).filter((e) => e === family || e.startsWith(`${family}:`)))];
  }
}

const rpm = (nevra: { name: string; epoch?: number; version: string; release: string; arch?: string; source: string; module?: string }): RpmPackage => ({
  type: 'rpm',
  name: nevra.name,
  version: `${nevra.epoch === undefined ? '' : `${nevra.epoch}:`}${nevra.version}-${nevra.release}`,
  epoch: nevra.epoch ?? null,
  release: nevra.release,
  architecture: nevra.arch ?? 'x86_64',
  sourceRpm: `${nevra.source}-${nevra.version}-${nevra.release}.src.rpm`,
  ...(nevra.module ? { modularityLabel: nevra.module } : {}),
  location: { path: 'var/lib/rpm/rpmdb.sqlite' },
});
const deb = (name: string, version: string, source = name): DebPackage => ({ type: 'deb', name, version, architecture: 'amd64', source: { name: source, version }, location: { path: 'var/lib/dpkg/status' } });
const apk = (name: string, version: string, origin = name): ApkPackage => ({ type: 'apk', name, version, architecture: 'x86_64', origin, location: { path: 'lib/apk/db/installed' } });

function found(os: OsRelease, packages: Array<RpmPackage | DebPackage | ApkPackage>, records: AffectedRecord[]) {
  const result = matchInventory({ os, packages }, new Db(records), matchers);
  return { ids: result.findings.map((f) => f.id).sort(), findings: result.findings, warnings: result.warnings };
}

describe('OS families, each by its vendor data', () => {
  it('Ubuntu 22.04 LTS: by source package and dpkg version, per release; Pro only where the release has no entry', () => {
    const os: OsRelease = { id: 'ubuntu', versionId: '22.04', codename: 'jammy', version: '22.04.4 LTS (Jammy Jellyfish)' };
    const r = found(os, [deb('libssl3', '3.0.2-0ubuntu1.10', 'openssl')], [
      entry('Ubuntu:22.04:LTS', 'openssl', 'UBUNTU-CVE-2023-5678', '3.0.2-0ubuntu1.12'),
      entry('Ubuntu:22.04:LTS', 'openssl', 'UBUNTU-CVE-2023-0464', '3.0.2-0ubuntu1.9'),
      entry('Ubuntu:24.04:LTS', 'openssl', 'UBUNTU-CVE-2024-0727', '3.0.13-0ubuntu3.1'),
      // Only Ubuntu Pro has a fix: the release's own data has no entry, so Pro's applies.
      entry('Ubuntu:Pro:22.04:LTS', 'openssl', 'UBUNTU-CVE-2024-2511', '3.0.2-0ubuntu1.15+esm1'),
      // The release's own data says fixed at or below the installed version: Pro does not override it.
      entry('Ubuntu:22.04:LTS', 'openssl', 'UBUNTU-CVE-2023-3446', '3.0.2-0ubuntu1.10'),
      entry('Ubuntu:Pro:22.04:LTS', 'openssl', 'UBUNTU-CVE-2023-3446', '3.0.2-0ubuntu1.10+esm1'),
    ]);
    assert.deepEqual(r.ids, ['UBUNTU-CVE-2023-5678', 'UBUNTU-CVE-2024-2511']);
  });

  it('Ubuntu 24.04 LTS and a non-LTS release are keyed apart', () => {
    const records = [entry('Ubuntu:24.04:LTS', 'curl', 'UBUNTU-CVE-2024-6197', '8.5.0-2ubuntu10.2'), entry('Ubuntu:23.10', 'curl', 'UBUNTU-CVE-2024-2398', '8.2.1-1ubuntu3.3')];
    assert.deepEqual(found({ id: 'ubuntu', versionId: '24.04', version: '24.04 LTS (Noble Numbat)' }, [deb('libcurl4t64', '8.5.0-2ubuntu10.1', 'curl')], records).ids, ['UBUNTU-CVE-2024-6197']);
    assert.deepEqual(found({ id: 'ubuntu', versionId: '23.10', version: '23.10 (Mantic Minotaur)' }, [deb('curl', '8.2.1-1ubuntu3.2')], records).ids, ['UBUNTU-CVE-2024-2398']);
  });

  it('RHEL 9: every stream of the major release, source or binary names, epochs written or omitted', () => {
    const os: OsRelease = { id: 'rhel', versionId: '9', fullVersionId: '9.4', cpeName: 'cpe:/o:redhat:enterprise_linux:9::baseos' };
    const r = found(
      os,
      [rpm({ name: 'openssl-libs', epoch: 1, version: '3.0.7', release: '24.el9', source: 'openssl' }), rpm({ name: 'bash', version: '5.1.8', release: '6.el9_1', source: 'bash' }), rpm({ name: 'python3-libs', version: '3.9.18', release: '3.el9', source: 'python3.9' })],
      [
        entry('Red Hat:enterprise_linux:9::baseos', 'openssl', 'RHSA-2024:2447', '1:3.0.7-27.el9'),
        // Filed under the binary name, in another stream of the same release.
        entry('Red Hat:enterprise_linux:9::appstream', 'python3-libs', 'RHSA-2024:2292', '0:3.9.18-3.el9_4.1'),
        // The data writes epoch 0, the rpmdb none: equal versions, so not reported.
        entry('Red Hat:enterprise_linux:9::baseos', 'bash', 'RHSA-2023:0340', '0:5.1.8-6.el9_1'),
        entry('Red Hat:enterprise_linux:8::baseos', 'bash', 'RHSA-2024:1111', '0:4.4.20-5.el8'),
        // A stream of another major release is not looked in.
        entry('Red Hat:rhel_eus:8.8::baseos', 'openssl', 'RHSA-2024:0000', '1:1.1.1k-12.el8_8'),
      ],
    );
    assert.deepEqual(r.ids, ['RHSA-2024:2292', 'RHSA-2024:2447']);
    assert.equal(r.findings.find((f) => f.id === 'RHSA-2024:2292')!.ecosystem, 'Red Hat:enterprise_linux:9::appstream', 'the finding names the stream whose data matched');
  });

  it('RHEL 8 module streams: a module package is compared only with its own stream, a plain package never with module builds', () => {
    const os: OsRelease = { id: 'rhel', versionId: '8', fullVersionId: '8.9' };
    const nodejs = rpm({ name: 'nodejs', epoch: 1, version: '18.19.0', release: '1.module+el8.9.0+21075+98ef8a21', source: 'nodejs', module: 'nodejs:18:8090020240109151235:a75119d5' });
    const records = [
      entry('Red Hat:enterprise_linux:8::appstream', 'nodejs', 'RHSA-2024:2651', '1:18.20.2-1.module+el8.9.0+21743+0b3f1be2', 'pkg:rpm/redhat/nodejs@18.20.2-1.module%2Bel8.9.0%2B21743%2B0b3f1be2?arch=src&epoch=1&rpmmod=nodejs:18:8090020240424112123:a75119d5'),
      entry('Red Hat:enterprise_linux:8::appstream', 'nodejs', 'RHSA-2024:2779', '1:20.12.2-2.module+el8.9.0+21743+0b3f1be2', 'pkg:rpm/redhat/nodejs@20.12.2-2.module%2Bel8.9.0%2B21743%2B0b3f1be2?arch=src&epoch=1&rpmmod=nodejs:20:8090020240424112123:a75119d5'),
    ];
    assert.deepEqual(found(os, [nodejs], records).ids, ['RHSA-2024:2651']);
    // Without a MODULARITYLABEL the stream is told by the upstream major version.
    const unlabelled = { ...nodejs };
    delete unlabelled.modularityLabel;
    assert.deepEqual(found(os, [unlabelled], records).ids, ['RHSA-2024:2651']);
    // A non-module build of the same name takes no module entry.
    assert.deepEqual(found(os, [rpm({ name: 'nodejs', epoch: 1, version: '10.24.0', release: '1.el8', source: 'nodejs' })], records).ids, []);
  });

  it('CentOS 7 is matched with RHEL 7 data, and the report says so', () => {
    const r = found({ id: 'centos', versionId: '7', fullVersionId: '7' }, [rpm({ name: 'bash', version: '4.2.46', release: '34.el7', source: 'bash' })], [
      entry('Red Hat:enterprise_linux:7::server', 'bash', 'RHSA-2022:1000', '0:4.2.46-35.el7_9'),
      entry('Red Hat:enterprise_linux:7::server', 'bash', 'RHSA-2019:2037', '0:4.2.46-33.el7'),
      entry('Red Hat:enterprise_linux:9::baseos', 'bash', 'RHSA-2023:0340', '0:5.1.8-6.el9_1'),
    ]);
    assert.deepEqual(r.ids, ['RHSA-2022:1000']);
    assert.ok(r.warnings.some((w) => /CentOS 7 .* Red Hat Enterprise Linux 7 data/.test(w)), r.warnings.join('\n'));
  });

  it('Rocky Linux 9 and AlmaLinux 9: by source rpm, per major release', () => {
    const openssh = rpm({ name: 'openssh-server', version: '8.7p1', release: '34.el9', source: 'openssh' });
    const rocky = [entry('Rocky Linux:9', 'openssh', 'RLSA-2024:4312', '8.7p1-38.el9_4.1'), entry('Rocky Linux:9', 'openssh', 'RLSA-2023:2200', '8.7p1-30.el9'), entry('Rocky Linux:8', 'openssh', 'RLSA-2024:4000', '8.0p1-24.el8')];
    assert.deepEqual(found({ id: 'rocky', versionId: '9', fullVersionId: '9.3' }, [openssh], rocky).ids, ['RLSA-2024:4312']);
    const glibc = rpm({ name: 'glibc-common', version: '2.34', release: '100.el9', source: 'glibc' });
    const alma = [entry('AlmaLinux:9', 'glibc', 'ALSA-2024:3339', '2.34-100.el9_4.2'), entry('AlmaLinux:9', 'glibc', 'ALSA-2023:5453', '2.34-83.el9_3.7'), entry('AlmaLinux:8', 'glibc', 'ALSA-2024:3344', '2.28-236.el8_9.13')];
    assert.deepEqual(found({ id: 'almalinux', versionId: '9', fullVersionId: '9.4' }, [glibc], alma).ids, ['ALSA-2024:3339']);
    // Rocky data never applies to Alma, nor the other way round.
    assert.deepEqual(found({ id: 'almalinux', versionId: '9' }, [openssh], rocky).ids, []);
  });

  it('openEuler 22.03 LTS SP1: its exact service pack, by source rpm', () => {
    const os: OsRelease = { id: 'openeuler', versionId: '22.03', version: '22.03 (LTS-SP1)', prettyName: 'openEuler 22.03 (LTS-SP1)' };
    const r = found(os, [rpm({ name: 'openssl-libs', epoch: 1, version: '1.1.1m', release: '15.oe2203sp1', source: 'openssl' })], [
      entry('openEuler:22.03-LTS-SP1', 'openssl', 'OESA-2024-1185', '1:1.1.1m-22.oe2203sp1'),
      entry('openEuler:22.03-LTS-SP1', 'openssl', 'OESA-2023-1001', '1:1.1.1m-13.oe2203sp1'),
      entry('openEuler:22.03-LTS-SP2', 'openssl', 'OESA-2024-1186', '1:1.1.1m-23.oe2203sp2'),
    ]);
    assert.deepEqual(r.ids, ['OESA-2024-1185']);
  });

  it('SLES 15 SP5: every Linux Enterprise product and module of its service pack, nothing of other service packs or openSUSE', () => {
    const os: OsRelease = { id: 'sles', versionId: '15.5', version: '15-SP5', prettyName: 'SUSE Linux Enterprise Server 15 SP5', cpeName: 'cpe:/o:suse:sles:15:sp5' };
    const pkg = rpm({ name: 'libopenssl1_1', version: '1.1.1l', release: '150500.17.25.1', source: 'openssl-1_1' });
    const r = found(os, [pkg], [
      entry('SUSE:Linux Enterprise Module for Basesystem 15 SP5', 'openssl-1_1', 'SUSE-SU-2024:1234-1', '1.1.1l-150500.17.28.1'),
      entry('SUSE:Linux Enterprise Server 15 SP5-LTSS', 'openssl-1_1', 'SUSE-SU-2025:0100-1', '1.1.1l-150500.17.40.1'),
      entry('SUSE:Linux Enterprise Module for Basesystem 15 SP5', 'openssl-1_1', 'SUSE-SU-2023:4000-1', '1.1.1l-150500.17.22.1'),
      entry('SUSE:Linux Enterprise Server 15 SP4', 'openssl-1_1', 'SUSE-SU-2024:0001-1', '1.1.1l-150400.7.70.1'),
      entry('SUSE:Linux Enterprise Micro 5.5', 'openssl-1_1', 'SUSE-SU-2024:0002-1', '1.1.1l-150500.17.30.1'),
      entry('openSUSE:Leap 15.5', 'openssl-1_1', 'openSUSE-SU-2024:0003-1', '1.1.1l-150500.17.29.1'),
    ]);
    assert.deepEqual(r.ids, ['SUSE-SU-2024:1234-1', 'SUSE-SU-2025:0100-1']);
  });

  it('openSUSE Leap 15.5: its own distribution only', () => {
    const os: OsRelease = { id: 'opensuse-leap', versionId: '15.5', prettyName: 'openSUSE Leap 15.5', cpeName: 'cpe:/o:opensuse:leap:15.5' };
    const r = found(os, [rpm({ name: 'curl', version: '8.0.1', release: '150400.5.41.1', source: 'curl' })], [
      entry('openSUSE:Leap 15.5', 'curl', 'openSUSE-SU-2024:0100-1', '8.0.1-150400.5.44.1'),
      entry('openSUSE:Leap 15.6', 'curl', 'openSUSE-SU-2024:0101-1', '8.6.0-150600.4.3.1'),
      entry('SUSE:Linux Enterprise Module for Basesystem 15 SP5', 'curl', 'SUSE-SU-2024:0102-1', '8.0.1-150400.5.47.1'),
    ]);
    assert.deepEqual(r.ids, ['openSUSE-SU-2024:0100-1']);
  });

  it('Wolfi and Azure Linux: their own ecosystems', () => {
    assert.deepEqual(found({ id: 'wolfi', versionId: '20230201' }, [apk('libcrypto3', '3.3.1-r0', 'openssl')], [entry('Wolfi', 'openssl', 'CGA-aaaa-bbbb-cccc', '3.3.2-r0'), entry('Wolfi', 'openssl', 'CGA-dddd-eeee-ffff', '3.3.0-r0')]).ids, ['CGA-aaaa-bbbb-cccc']);
    assert.deepEqual(found({ id: 'azurelinux', versionId: '3.0' }, [rpm({ name: 'curl-libs', version: '8.8.0', release: '1.azl3', source: 'curl' })], [entry('Azure Linux:3', 'curl', 'AZL-2024-1', '8.8.0-2.azl3'), entry('Azure Linux:2', 'curl', 'AZL-2024-2', '8.8.0-9.cm2')]).ids, ['AZL-2024-1']);
  });

  it('Alpine versions with a letter-and-number tail (6.6.2p1-r0) are ordered as apk-tools orders them', () => {
    const r = found({ id: 'alpine', versionId: '3.19' }, [apk('openssh-client', '6.6.2p1-r0', 'openssh')], [entry('Alpine:v3.19', 'openssh', 'CVE-2015-5600', '6.9_p1-r1'), entry('Alpine:v3.19', 'openssh', 'CVE-2014-2532', '6.6.1-r0')]);
    assert.deepEqual(r.ids, ['CVE-2015-5600']);
    assert.deepEqual(r.warnings, []);
  });

  it('kernels: only the running one (uname -r) is matched on a live host; every installed one in an image', () => {
    const records = [entry('Red Hat:enterprise_linux:9::baseos', 'kernel', 'RHSA-2024:3138', '0:5.14.0-427.16.1.el9_4')];
    const old = rpm({ name: 'kernel-core', version: '5.14.0', release: '362.8.1.el9_3', source: 'kernel' });
    const current = rpm({ name: 'kernel-core', version: '5.14.0', release: '427.13.1.el9_4', source: 'kernel' });
    const live = found({ id: 'rhel', versionId: '9', kernel: '5.14.0-427.13.1.el9_4.x86_64' }, [old, current], records);
    assert.deepEqual(live.findings.map((f) => f.package.version), ['5.14.0-427.13.1.el9_4']);
    assert.deepEqual(live.warnings, ['installed kernels that are not running (5.14.0-427.13.1.el9_4.x86_64 is) were not matched: kernel-core 5.14.0-362.8.1.el9_3']);
    assert.deepEqual(found({ id: 'rhel', versionId: '9' }, [old, current], records).findings.map((f) => f.package.version).sort(), ['5.14.0-362.8.1.el9_3', '5.14.0-427.13.1.el9_4']);
    // SUSE's uname drops the release's last number and adds the flavour.
    const sles: OsRelease = { id: 'sles', versionId: '15.5', prettyName: 'SUSE Linux Enterprise Server 15 SP5', kernel: '5.14.21-150500.55.39-default' };
    const suseRecords = [entry('SUSE:Linux Enterprise Module for Basesystem 15 SP5', 'kernel-default', 'SUSE-SU-2024:2190-1', '5.14.21-150500.55.65.1')];
    const running = rpm({ name: 'kernel-default', version: '5.14.21', release: '150500.55.39.1', source: 'kernel-default' });
    const idle = rpm({ name: 'kernel-default', version: '5.14.21', release: '150500.55.31.1', source: 'kernel-default' });
    assert.deepEqual(found(sles, [running, idle], suseRecords).findings.map((f) => f.package.version), ['5.14.21-150500.55.39.1']);
    // Debian and Ubuntu name the kernel's ABI in the package.
    const ubuntu: OsRelease = { id: 'ubuntu', versionId: '22.04', kernel: '5.15.0-105-generic' };
    const ubuntuRecords = [entry('Ubuntu:22.04:LTS', 'linux', 'UBUNTU-CVE-2024-26643', '5.15.0-106.116')];
    const kernels = [deb('linux-image-5.15.0-105-generic', '5.15.0-105.115', 'linux'), deb('linux-image-5.15.0-101-generic', '5.15.0-101.111', 'linux')];
    assert.deepEqual(found(ubuntu, kernels, ubuntuRecords).findings.map((f) => f.package.name), ['linux-image-5.15.0-105-generic']);
  });

  it('a release the database holds no data for is said, never passed as clean', () => {
    const r = found({ id: 'rocky', versionId: '10' }, [rpm({ name: 'bash', version: '5.2.26', release: '6.el10', source: 'bash' })], [entry('Rocky Linux:9', 'bash', 'RLSA-1', '5.1.8-9.el9')]);
    assert.deepEqual(r.ids, []);
    assert.deepEqual(r.warnings, ['the vulnerability database has no data for Rocky Linux:10: packages looked up there were not matched']);
  });
});
