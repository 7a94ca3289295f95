import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildBdbHashRpmdb, buildNdbRpmdb, buildRpms, installIntoRpmdb, sqliteHeaderBlobs, type SpecPackage } from '../support/rpmdb.js';
import { CLI } from '../support/server-process.js';

// `openhss scan rootfs` on root file systems of each Linux family, built for real: rpm databases written
// by Debian's rpm from packages built with rpmbuild (in each distribution's own rpmdb backend and
// location), dpkg status files with real Ubuntu versions, and each distribution's real /etc/os-release.
// The vulnerability DB is imported by the built CLI from OSV records in each vendor's shape. Every root
// has an advisory fixed above its installed version (reported), one fixed at or below it (not reported)
// and one for another release of the same distribution (not reported): the expected findings are the
// records this test marks `reported`, nothing else.

const run = promisify(execFile);

interface Advisory {
  id: string;
  ecosystem: string;
  name: string;
  fixed: string;
  purl?: string;
  reported: boolean;
}

interface Root {
  name: string;
  osRelease: string;
  /** rpm roots: the packages, the rpmdb backend and its path in the root. */
  rpm?: { packages: SpecPackage[]; backend: 'sqlite' | 'bdb' | 'ndb'; path: string };
  /** dpkg roots: the status file. */
  dpkgStatus?: string;
  advisories: Advisory[];
  /** Binary package each reported advisory is found on. */
  reportedOn: Record<string, string>;
}

const osv = (a: Advisory) => ({
  schema_version: '1.6.0',
  id: a.id,
  modified: '2024-06-01T00:00:00Z',
  published: '2024-05-01T00:00:00Z',
  summary: `${a.name}: security update`,
  affected: [{ package: { ecosystem: a.ecosystem, name: a.name, ...(a.purl ? { purl: a.purl } : {}) }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: a.fixed }] }] }],
  database_specific: { severity: 'Important' },
});

const dpkg = (name: string, version: string, source: string) => `Package: ${name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nSource: ${source}\nVersion: ${version}\nDescription: ${name}\n`;

const ROOTS: Root[] = [
  {
    name: 'Rocky Linux 9.3',
    osRelease: 'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\nCPE_NAME="cpe:/o:rocky:rocky:9::baseos"\n',
    rpm: { backend: 'sqlite', path: 'var/lib/rpm/rpmdb.sqlite', packages: [{ name: 'openssh', version: '8.7p1', release: '34.el9', arch: 'x86_64', subpackages: ['openssh-server'] }] },
    advisories: [
      { id: 'RLSA-2024:4312', ecosystem: 'Rocky Linux:9', name: 'openssh', fixed: '8.7p1-38.el9_4.1', reported: true },
      { id: 'RLSA-2023:2200', ecosystem: 'Rocky Linux:9', name: 'openssh', fixed: '8.7p1-34.el9', reported: false },
      { id: 'RLSA-2024:4000', ecosystem: 'Rocky Linux:8', name: 'openssh', fixed: '8.9p1-24.el8', reported: false },
    ],
    reportedOn: { 'RLSA-2024:4312': 'openssh-server' },
  },
  {
    name: 'AlmaLinux 9.4',
    osRelease: 'NAME="AlmaLinux"\nVERSION="9.4 (Seafoam Ocelot)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"\nCPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"\n',
    rpm: { backend: 'sqlite', path: 'var/lib/rpm/rpmdb.sqlite', packages: [{ name: 'glibc', version: '2.34', release: '100.el9', arch: 'x86_64', subpackages: ['glibc-common'] }] },
    advisories: [
      { id: 'ALSA-2024:3339', ecosystem: 'AlmaLinux:9', name: 'glibc', fixed: '2.34-100.el9_4.2', reported: true },
      { id: 'ALSA-2023:5453', ecosystem: 'AlmaLinux:9', name: 'glibc', fixed: '2.34-83.el9_3.7', reported: false },
      { id: 'ALSA-2024:3344', ecosystem: 'AlmaLinux:8', name: 'glibc', fixed: '2.34-236.el8_9.13', reported: false },
    ],
    reportedOn: { 'ALSA-2024:3339': 'glibc-common' },
  },
  {
    name: 'RHEL 9.4',
    osRelease: 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"\n',
    rpm: {
      backend: 'sqlite',
      path: 'var/lib/rpm/rpmdb.sqlite',
      packages: [
        { name: 'openssl', epoch: 1, version: '3.0.7', release: '24.el9', arch: 'x86_64', subpackages: ['openssl-libs'] },
        // No epoch in the rpmdb; the data writes 0:.
        { name: 'bash', version: '5.1.8', release: '6.el9_1', arch: 'x86_64' },
        // A module build: only entries for its own stream (nodejs:20) apply.
        { name: 'nodejs', epoch: 1, version: '20.11.1', release: '1.module+el9.3.0+21213+ecb14eda', arch: 'x86_64', modularityLabel: 'nodejs:20:9030020240213111834:rhel9' },
      ],
    },
    advisories: [
      { id: 'RHSA-2024:2447', ecosystem: 'Red Hat:enterprise_linux:9::baseos', name: 'openssl', fixed: '1:3.0.7-27.el9', reported: true },
      { id: 'RHSA-2023:0340', ecosystem: 'Red Hat:enterprise_linux:9::baseos', name: 'bash', fixed: '0:5.1.8-6.el9_1', reported: false },
      { id: 'RHSA-2024:1111', ecosystem: 'Red Hat:enterprise_linux:8::baseos', name: 'openssl', fixed: '1:3.0.7-99.el8', reported: false },
      {
        id: 'RHSA-2024:3545',
        ecosystem: 'Red Hat:enterprise_linux:9::appstream',
        name: 'nodejs',
        fixed: '1:20.14.0-1.module+el9.4.0+21766+cee5eecb',
        purl: 'pkg:rpm/redhat/nodejs@20.14.0-1.module%2Bel9.4.0%2B21766%2Bcee5eecb?arch=src&epoch=1&rpmmod=nodejs:20:9040020240613091246:rhel9',
        reported: true,
      },
      {
        id: 'RHSA-2024:5814',
        ecosystem: 'Red Hat:enterprise_linux:9::appstream',
        name: 'nodejs',
        fixed: '1:22.5.1-1.module+el9.4.0+22091+a1bd3f4e',
        purl: 'pkg:rpm/redhat/nodejs@22.5.1-1.module%2Bel9.4.0%2B22091%2Ba1bd3f4e?arch=src&epoch=1&rpmmod=nodejs:22:9040020240808151514:rhel9',
        reported: false,
      },
    ],
    reportedOn: { 'RHSA-2024:2447': 'openssl-libs', 'RHSA-2024:3545': 'nodejs' },
  },
  {
    name: 'CentOS 7',
    osRelease: 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\nANSI_COLOR="0;31"\nCPE_NAME="cpe:/o:centos:centos:7"\n',
    rpm: { backend: 'bdb', path: 'var/lib/rpm/Packages', packages: [{ name: 'bash', version: '4.2.46', release: '34.el7', arch: 'x86_64' }] },
    advisories: [
      { id: 'RHSA-2020:5283', ecosystem: 'Red Hat:enterprise_linux:7::server', name: 'bash', fixed: '0:4.2.46-35.el7_9', reported: true },
      { id: 'RHSA-2020:1113', ecosystem: 'Red Hat:enterprise_linux:7::server', name: 'bash', fixed: '0:4.2.46-34.el7', reported: false },
      { id: 'RHSA-2023:0340', ecosystem: 'Red Hat:enterprise_linux:9::baseos', name: 'bash', fixed: '0:5.1.8-6.el9_1', reported: false },
    ],
    reportedOn: { 'RHSA-2020:5283': 'bash' },
  },
  {
    name: 'openEuler 22.03 LTS SP1',
    osRelease: 'NAME="openEuler"\nVERSION="22.03 (LTS-SP1)"\nID="openEuler"\nVERSION_ID="22.03"\nPRETTY_NAME="openEuler 22.03 (LTS-SP1)"\nANSI_COLOR="0;31"\n',
    rpm: { backend: 'sqlite', path: 'var/lib/rpm/rpmdb.sqlite', packages: [{ name: 'openssl', epoch: 1, version: '1.1.1m', release: '15.oe2203sp1', arch: 'x86_64', subpackages: ['openssl-libs'] }] },
    advisories: [
      { id: 'OESA-2024-1185', ecosystem: 'openEuler:22.03-LTS-SP1', name: 'openssl', fixed: '1:1.1.1m-22.oe2203sp1', reported: true },
      { id: 'OESA-2023-1001', ecosystem: 'openEuler:22.03-LTS-SP1', name: 'openssl', fixed: '1:1.1.1m-13.oe2203sp1', reported: false },
      { id: 'OESA-2024-1186', ecosystem: 'openEuler:22.03-LTS-SP2', name: 'openssl', fixed: '1:1.1.1m-23.oe2203sp2', reported: false },
    ],
    reportedOn: { 'OESA-2024-1185': 'openssl-libs' },
  },
  {
    name: 'SLES 15 SP5',
    osRelease: 'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\nID="sles"\nID_LIKE="suse"\nANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:suse:sles:15:sp5"\nDOCUMENTATION_URL="https://documentation.suse.com/"\n',
    rpm: { backend: 'ndb', path: 'usr/lib/sysimage/rpm/Packages.db', packages: [{ name: 'openssl-1_1', version: '1.1.1l', release: '150500.17.25.1', arch: 'x86_64', subpackages: ['libopenssl1_1'] }] },
    advisories: [
      { id: 'SUSE-SU-2024:1234-1', ecosystem: 'SUSE:Linux Enterprise Module for Basesystem 15 SP5', name: 'openssl-1_1', fixed: '1.1.1l-150500.17.28.1', reported: true },
      { id: 'SUSE-SU-2023:4000-1', ecosystem: 'SUSE:Linux Enterprise Module for Basesystem 15 SP5', name: 'openssl-1_1', fixed: '1.1.1l-150500.17.22.1', reported: false },
      { id: 'SUSE-SU-2024:0001-1', ecosystem: 'SUSE:Linux Enterprise Server 15 SP4', name: 'openssl-1_1', fixed: '1.1.1l-150400.7.70.1', reported: false },
      { id: 'openSUSE-SU-2024:0003-1', ecosystem: 'openSUSE:Leap 15.5', name: 'openssl-1_1', fixed: '1.1.1l-150500.17.29.1', reported: false },
    ],
    reportedOn: { 'SUSE-SU-2024:1234-1': 'libopenssl1_1' },
  },
  {
    name: 'openSUSE Leap 15.5',
    osRelease: 'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\nANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:opensuse:leap:15.5"\n',
    rpm: { backend: 'ndb', path: 'usr/lib/sysimage/rpm/Packages.db', packages: [{ name: 'curl', version: '8.0.1', release: '150400.5.41.1', arch: 'x86_64', subpackages: ['libcurl4'] }] },
    advisories: [
      { id: 'openSUSE-SU-2024:0100-1', ecosystem: 'openSUSE:Leap 15.5', name: 'curl', fixed: '8.0.1-150400.5.44.1', reported: true },
      { id: 'openSUSE-SU-2023:0099-1', ecosystem: 'openSUSE:Leap 15.5', name: 'curl', fixed: '8.0.1-150400.5.41.1', reported: false },
      { id: 'openSUSE-SU-2024:0101-1', ecosystem: 'openSUSE:Leap 15.6', name: 'curl', fixed: '8.6.0-150600.4.3.1', reported: false },
      { id: 'SUSE-SU-2024:0102-1', ecosystem: 'SUSE:Linux Enterprise Module for Basesystem 15 SP5', name: 'curl', fixed: '8.0.1-150400.5.47.1', reported: false },
    ],
    reportedOn: { 'openSUSE-SU-2024:0100-1': 'libcurl4' },
  },
  {
    name: 'Ubuntu 22.04 LTS',
    osRelease: 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n',
    dpkgStatus: [dpkg('libssl3', '3.0.2-0ubuntu1.10', 'openssl'), dpkg('openssl', '3.0.2-0ubuntu1.10', 'openssl')].join('\n'),
    advisories: [
      { id: 'UBUNTU-CVE-2023-5678', ecosystem: 'Ubuntu:22.04:LTS', name: 'openssl', fixed: '3.0.2-0ubuntu1.12', reported: true },
      { id: 'UBUNTU-CVE-2023-0464', ecosystem: 'Ubuntu:22.04:LTS', name: 'openssl', fixed: '3.0.2-0ubuntu1.9', reported: false },
      { id: 'UBUNTU-CVE-2024-0727', ecosystem: 'Ubuntu:24.04:LTS', name: 'openssl', fixed: '3.0.13-0ubuntu3.1', reported: false },
    ],
    reportedOn: { 'UBUNTU-CVE-2023-5678': 'libssl3' },
  },
  {
    name: 'Ubuntu 24.04 LTS',
    osRelease: 'PRETTY_NAME="Ubuntu 24.04 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n',
    dpkgStatus: dpkg('libcurl4t64', '8.5.0-2ubuntu10.1', 'curl'),
    advisories: [
      { id: 'UBUNTU-CVE-2024-6197', ecosystem: 'Ubuntu:24.04:LTS', name: 'curl', fixed: '8.5.0-2ubuntu10.2', reported: true },
      { id: 'UBUNTU-CVE-2024-2004', ecosystem: 'Ubuntu:24.04:LTS', name: 'curl', fixed: '8.5.0-2ubuntu10.1', reported: false },
      { id: 'UBUNTU-CVE-2024-2398', ecosystem: 'Ubuntu:22.04:LTS', name: 'curl', fixed: '7.81.0-1ubuntu1.16', reported: false },
    ],
    reportedOn: { 'UBUNTU-CVE-2024-6197': 'libcurl4t64' },
  },
];

interface Report {
  os?: { id: string };
  packages: Array<{ type: string; name: string }>;
  findings: Array<{ id: string; package: { name: string }; fixedVersion: string | null; ecosystem: string }>;
  warnings: string[];
}

describe('openhss scan rootfs on real roots of every Linux family (the built CLI)', () => {
  let dir: string;
  let dbFile: string;
  const roots = new Map<string, string>();
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: dir, OPENHSS_DATA_DIR: dir }, maxBuffer: 64 * 1024 * 1024 });
  const scan = async (root: string) => JSON.parse((await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'json', '--quiet')).stdout) as Report;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openhss-os-families-'));
    const feed = join(dir, 'osv');
    mkdirSync(feed);
    for (const root of ROOTS) for (const a of root.advisories) writeFileSync(join(feed, `${a.id.replace(/[:/]/g, '_')}-${a.ecosystem.replace(/[^A-Za-z0-9]/g, '_')}.json`), JSON.stringify(osv(a)));
    dbFile = join(dir, 'vulndb.sqlite');
    await cli('db', 'import', feed, '--db', dbFile);

    for (const [i, root] of ROOTS.entries()) {
      const rootDir = join(dir, `root-${i}`);
      mkdirSync(join(rootDir, 'etc'), { recursive: true });
      writeFileSync(join(rootDir, 'etc/os-release'), root.osRelease);
      if (root.rpm) {
        const build = join(dir, `build-${i}`);
        const dbpath = join(build, 'rpmdb');
        installIntoRpmdb(dbpath, buildRpms(build, root.rpm.packages));
        const target = join(rootDir, root.rpm.path);
        mkdirSync(dirname(target), { recursive: true });
        const sqlite = join(dbpath, 'rpmdb.sqlite');
        if (root.rpm.backend === 'sqlite') copyFileSync(sqlite, target);
        else writeFileSync(target, root.rpm.backend === 'bdb' ? buildBdbHashRpmdb(sqliteHeaderBlobs(sqlite)) : buildNdbRpmdb(sqliteHeaderBlobs(sqlite)));
      }
      if (root.dpkgStatus) {
        mkdirSync(join(rootDir, 'var/lib/dpkg'), { recursive: true });
        writeFileSync(join(rootDir, 'var/lib/dpkg/status'), root.dpkgStatus);
      }
      roots.set(root.name, rootDir);
    }
  });

  for (const root of ROOTS) {
    it(`${root.name}: exactly the advisories fixed above the installed versions, on the right packages`, async () => {
      const report = await scan(roots.get(root.name)!);
      const installed = report.packages.map((p) => p.name);
      for (const name of Object.values(root.reportedOn)) assert.ok(installed.includes(name), `${name} is inventoried (${installed.join(', ')})`);
      const expected = root.advisories.filter((a) => a.reported);
      // Exactly the expected advisories (the source package's other binaries may carry them too)…
      assert.deepEqual([...new Set(report.findings.map((f) => f.id))].sort(), expected.map((a) => a.id).sort(), JSON.stringify(report.findings.map((f) => [f.id, f.package.name, f.fixedVersion])));
      // …each on the binary package named, with the vendor's fixed version.
      for (const a of expected) assert.ok(report.findings.some((f) => f.id === a.id && f.package.name === root.reportedOn[a.id] && f.fixedVersion === a.fixed), `${a.id} on ${root.reportedOn[a.id]} fixed in ${a.fixed}`);
      assert.ok(!report.warnings.some((w) => /no data for|not matched/.test(w)), report.warnings.join('\n'));
    });
  }

  it('CentOS says its findings come from RHEL data', async () => {
    const report = await scan(roots.get('CentOS 7')!);
    assert.ok(report.warnings.some((w) => /CentOS 7 .*Red Hat Enterprise Linux 7 data/.test(w)), report.warnings.join('\n'));
  });

  it('Huawei Cloud EulerOS is reported as not matched, never as clean', async () => {
    const hce = join(dir, 'root-hce');
    mkdirSync(join(hce, 'etc'), { recursive: true });
    writeFileSync(join(hce, 'etc/os-release'), 'NAME="Huawei Cloud EulerOS"\nVERSION="2.0 (x86_64)"\nID="hce"\nVERSION_ID="2.0"\nPRETTY_NAME="Huawei Cloud EulerOS 2.0 (x86_64)"\nANSI_COLOR="0;31"\n');
    const build = join(dir, 'build-hce');
    installIntoRpmdb(join(build, 'rpmdb'), buildRpms(build, [{ name: 'openssl', epoch: 1, version: '1.1.1m', release: '15.hce2', arch: 'x86_64' }]));
    mkdirSync(join(hce, 'var/lib/rpm'), { recursive: true });
    copyFileSync(join(build, 'rpmdb', 'rpmdb.sqlite'), join(hce, 'var/lib/rpm/rpmdb.sqlite'));
    const report = await scan(hce);
    assert.equal(report.findings.length, 0);
    assert.ok(report.warnings.some((w) => /^hce 2\.0: Huawei Cloud EulerOS publishes no machine-readable advisory feed/.test(w)), report.warnings.join('\n'));
  });
});
