import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dpkgAnalyzer } from '../../../src/inventory/pkg/dpkg.js';

describe('dpkg analyzer', () => {
  it("reads this machine's real dpkg status exactly as dpkg-query reports it (binary, version, arch, source, source version)", () => {
    const expected = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\n'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([status]) => status === 'installed')
      .map(([, name, version, arch, sourceName, sourceVersion]) => `${name} ${version} ${arch} ${sourceName} ${sourceVersion}`)
      .sort();
    assert.ok(expected.length > 100, 'the machine has a real package list');
    const result = dpkgAnalyzer.analyze({ path: 'var/lib/dpkg/status', content: readFileSync('/var/lib/dpkg/status') });
    const actual = result.packages.map((p) => (p.type === 'deb' ? `${p.name} ${p.version} ${p.architecture} ${p.source.name} ${p.source.version}` : '')).sort();
    assert.deepEqual(actual, expected);
    assert.deepEqual(result.warnings, []);
  });

  it('reads Source with and without its own version, and skips packages that are not installed', () => {
    const status = [
      'Package: libssl3',
      'Status: install ok installed',
      'Architecture: amd64',
      'Source: openssl (3.0.11-1~deb12u2)',
      'Version: 3.0.11-1~deb12u2+b1',
      'Description: Secure Sockets Layer toolkit',
      ' continuation line: with a colon',
      '',
      'Package: bsdutils',
      'Status: hold ok installed',
      'Architecture: amd64',
      'Source: util-linux',
      'Version: 1:2.38.1-5+b1',
      '',
      'Package: removed-thing',
      'Status: deinstall ok config-files',
      'Version: 1.0',
      '',
      'Package: half-installed',
      'Status: install reinstreq half-installed',
      'Version: 2.0',
      '',
    ].join('\n');
    const { packages } = dpkgAnalyzer.analyze({ path: 'var/lib/dpkg/status', content: Buffer.from(status), layerDigest: 'sha256:abc' });
    assert.deepEqual(
      packages.map((p) => (p.type === 'deb' ? [p.name, p.version, p.source.name, p.source.version, p.location.layerDigest] : [])),
      [
        ['libssl3', '3.0.11-1~deb12u2+b1', 'openssl', '3.0.11-1~deb12u2', 'sha256:abc'],
        ['bsdutils', '1:2.38.1-5+b1', 'util-linux', '1:2.38.1-5+b1', 'sha256:abc'],
      ],
    );
  });

  it('reads distroless status.d entries, which carry no Status field, and ignores their md5sums', () => {
    assert.equal(dpkgAnalyzer.required('var/lib/dpkg/status.d/libc6'), true);
    assert.equal(dpkgAnalyzer.required('var/lib/dpkg/status.d/libc6.md5sums'), false);
    assert.equal(dpkgAnalyzer.required('var/lib/dpkg/status-old'), false);
    const entry = 'Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\n';
    const { packages } = dpkgAnalyzer.analyze({ path: 'var/lib/dpkg/status.d/libc6', content: Buffer.from(entry) });
    assert.equal(packages.length, 1);
    assert.deepEqual(packages[0]!.type === 'deb' && packages[0]!.source, { name: 'glibc', version: '2.36-9+deb12u4' });
  });

  it('warns about a stanza without a version instead of guessing', () => {
    const { packages, warnings } = dpkgAnalyzer.analyze({ path: 'var/lib/dpkg/status', content: Buffer.from('Package: broken\nStatus: install ok installed\n') });
    assert.equal(packages.length, 0);
    assert.match(warnings[0]!, /without Package or Version/);
  });
});
