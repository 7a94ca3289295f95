import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apkAnalyzer } from '../../../src/inventory/pkg/apk.js';
import { releaseFilesAnalyzer } from '../../../src/inventory/os/release-files.js';

const installed = `C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1705337421
c:1d1a79d2
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1abc=

C:Q1def=
P:libcrypto3
V:3.1.4-r5
A:x86_64
o:openssl
F:usr/lib
R:libcrypto.so.3

C:Q1ghi=
P:ca-certificates-bundle
V:20240226-r0
A:x86_64
o:ca-certificates
`;

describe('apk analyzer', () => {
  it('reads name, version, arch and origin (the aport advisories name)', () => {
    const { packages, warnings } = apkAnalyzer.analyze({ path: 'lib/apk/db/installed', content: Buffer.from(installed) });
    assert.deepEqual(
      packages.map((p) => (p.type === 'apk' ? [p.name, p.version, p.architecture, p.origin] : [])),
      [
        ['musl', '1.2.4_git20230717-r4', 'x86_64', 'musl'],
        ['libcrypto3', '3.1.4-r5', 'x86_64', 'openssl'],
        ['ca-certificates-bundle', '20240226-r0', 'x86_64', 'ca-certificates'],
      ],
    );
    assert.deepEqual(warnings, []);
  });
  it('warns about a record without a version', () => {
    const { packages, warnings } = apkAnalyzer.analyze({ path: 'lib/apk/db/installed', content: Buffer.from('P:broken\nA:x86_64\n') });
    assert.equal(packages.length, 0);
    assert.equal(warnings.length, 1);
  });
});

describe('OS release detection', () => {
  const detect = (path: string, text: string) => releaseFilesAnalyzer.analyze({ path, content: Buffer.from(text) }).os;
  const cases: Array<[string, string, string, object | undefined]> = [
    ['Debian 12', 'etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n', { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' }],
    ['Debian testing without VERSION_ID', 'usr/lib/os-release', 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nID=debian\nVERSION_CODENAME=trixie\n', { id: 'debian', versionId: '13', codename: 'trixie', prettyName: 'Debian GNU/Linux trixie/sid' }],
    ['Alpine, keyed by major.minor', 'etc/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n', { id: 'alpine', versionId: '3.19', prettyName: 'Alpine Linux v3.19', fullVersionId: '3.19.1' }],
    ['Ubuntu keeps its full version', 'etc/os-release', 'ID=ubuntu\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n', { id: 'ubuntu', versionId: '22.04', codename: 'jammy' }],
    ['Rocky, keyed by major', 'etc/os-release', 'ID="rocky"\nVERSION_ID="9.3"\n', { id: 'rocky', versionId: '9', fullVersionId: '9.3' }],
    // The whole of os-release that matching needs is kept: openEuler's service pack is only in VERSION and PRETTY_NAME.
    [
      'openEuler keeps its service pack',
      'etc/os-release',
      'NAME="openEuler"\nVERSION="22.03 (LTS-SP1)"\nID="openEuler"\nVERSION_ID="22.03"\nPRETTY_NAME="openEuler 22.03 (LTS-SP1)"\nANSI_COLOR="0;31"\n',
      { id: 'openeuler', versionId: '22.03', version: '22.03 (LTS-SP1)', prettyName: 'openEuler 22.03 (LTS-SP1)' },
    ],
    [
      'SLES keeps its product and CPE',
      'etc/os-release',
      'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\nID="sles"\nID_LIKE="suse"\nANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:suse:sles:15:sp5"\n',
      { id: 'sles', versionId: '15.5', version: '15-SP5', prettyName: 'SUSE Linux Enterprise Server 15 SP5', cpeName: 'cpe:/o:suse:sles:15:sp5' },
    ],
    [
      'RHEL keeps its CPE stream',
      'etc/os-release',
      'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"\n',
      { id: 'rhel', versionId: '9', fullVersionId: '9.4', version: '9.4 (Plow)', prettyName: 'Red Hat Enterprise Linux 9.4 (Plow)', cpeName: 'cpe:/o:redhat:enterprise_linux:9::baseos' },
    ],
    ['Wolfi has no VERSION_ID', 'etc/os-release', 'ID=wolfi\nNAME="Wolfi"\nPRETTY_NAME="Wolfi"\nVERSION_ID="20230201"\n', { id: 'wolfi', versionId: '20230201', prettyName: 'Wolfi' }],
    ['Chainguard without VERSION_ID is rolling', 'etc/os-release', 'ID=chainguard\nNAME="Chainguard"\nPRETTY_NAME="Chainguard"\n', { id: 'chainguard', versionId: 'rolling', prettyName: 'Chainguard' }],
    ['alpine-release', 'etc/alpine-release', '3.18.6\n', { id: 'alpine', versionId: '3.18' }],
    ['debian_version', 'etc/debian_version', '12.11\n', { id: 'debian', versionId: '12' }],
    ['debian_version on testing', 'etc/debian_version', 'trixie/sid\n', { id: 'debian', versionId: '13', codename: 'trixie' }],
    ['CentOS redhat-release', 'etc/redhat-release', 'CentOS Linux release 7.9.2009 (Core)\n', { id: 'centos', versionId: '7' }],
    ['garbage', 'etc/os-release', 'not an os-release file', undefined],
  ];
  for (const [name, path, text, expected] of cases) {
    it(name, () => assert.deepEqual(detect(path, text), expected));
  }
  it('asks only for release files', () => {
    assert.equal(releaseFilesAnalyzer.required('etc/os-release'), true);
    assert.equal(releaseFilesAnalyzer.required('etc/passwd'), false);
  });
});
