/**
 * The like-for-like half of bench/vulndb-full.ts: inventories whose every hit is known in advance,
 * and the OSV records that make those hits. The same records go into both DBs compared (the demo
 * DB and the full-size DB), so a match finds the same findings on both and the time difference is
 * what the size of the DB costs a lookup.
 *
 * Package names here (`hit-…`) are never used by the full-size corpus (bench/support/osv-full-size.ts
 * names `srcpkgN`, `pkg-N`, `py_pkg-N`, `rpmpkgN`) nor the demo data, so the 650,000 other
 * records of the full DB hit nothing. Of every three inventory packages one has advisories: one to
 * three fixed above the installed version (each a finding, with a CVE alias of its own so none
 * merge), and one fixed at or below it (looked at, not a finding). The rest are in neither DB.
 * `expected` is the generator's count of the records it wrote to be hit, not the matcher's.
 */
import type { OsRelease, Package } from '../../src/domain/package.js';

export interface HitInventory {
  label: string;
  os: OsRelease;
  packages: Package[];
  /** Findings the match must report: one per (inventory package, hitting record), by construction. */
  expected: number;
}

export interface HitSet {
  /** OSV records, one JSON file each (imported as the loose-file feed `osv-files/<dir>`). */
  records: Array<Record<string, unknown>>;
  image: HitInventory;
  host: HitInventory;
}

const RHEL9_STREAMS = ['Red Hat:enterprise_linux:9::baseos', 'Red Hat:enterprise_linux:9::appstream', 'Red Hat:enterprise_linux:9::crb'];

type Kind = 'deb' | 'rpm' | 'npm' | 'pypi';

export function hitSet(): HitSet {
  const records: Array<Record<string, unknown>> = [];
  let serial = 0;
  /** Advisories for package `name` (installed at 2.<n%20>.5): `hits` fixed above it, one fixed at it. */
  const advise = (kind: Kind, ecosystems: readonly string[], name: string, n: number, hits: number): number => {
    const minor = n % 20;
    const v = (patch: number) => (kind === 'deb' ? `2.${minor}.${patch}-1` : kind === 'rpm' ? `2.${minor}.${patch}-1.el9` : `2.${minor}.${patch}`);
    const range = kind === 'npm' ? 'SEMVER' : 'ECOSYSTEM';
    for (let k = 0; k <= hits; k++) {
      const id = `BENCH-HIT-${++serial}`;
      const fixed = k < hits ? v(6 + k) : v(5); // installed is v(5): fixed above it hits, fixed at it does not
      records.push({
        schema_version: '1.6.0',
        id,
        modified: '2024-05-01T00:00:00Z',
        published: '2024-04-01T00:00:00Z',
        aliases: [`CVE-2099-${100000 + serial}`],
        summary: `bench advisory ${serial} for ${name}`,
        affected: [{ package: { ecosystem: ecosystems[(n + k) % ecosystems.length], name }, ranges: [{ type: range, events: [{ introduced: '0' }, { fixed }] }] }],
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      });
    }
    return hits;
  };
  /** `count` packages of one kind; every third has advisories. Returns the findings expected. */
  const add = (packages: Package[], kind: Kind, ecosystems: readonly string[], count: number, tag: string): number => {
    let expected = 0;
    for (let i = 0; i < count; i++) {
      const name = `hit-${tag}-${i}`;
      const minor = i % 20;
      if (i % 3 === 0) expected += advise(kind, ecosystems, name, i, 1 + ((i / 3) % 3));
      if (kind === 'deb') {
        const version = `2.${minor}.5-1`;
        packages.push({ type: 'deb', name: `${name}-bin`, version, architecture: 'amd64', source: { name, version }, location: { path: '/var/lib/dpkg/status' } });
      } else if (kind === 'rpm') {
        packages.push({ type: 'rpm', name: `${name}-libs`, version: `2.${minor}.5-1.el9`, epoch: null, release: '1.el9', architecture: 'x86_64', sourceRpm: `${name}-2.${minor}.5-1.el9.src.rpm`, location: { path: '/var/lib/rpm/rpmdb.sqlite' } });
      } else if (kind === 'npm') {
        packages.push({ type: 'npm', name, version: `2.${minor}.5`, location: { path: `/app/node_modules/${name}/package.json` } });
      } else {
        packages.push({ type: 'pypi', name, version: `2.${minor}.5`, location: { path: `/usr/lib/python3/dist-packages/${name}` } });
      }
    }
    return expected;
  };

  // An image: RHEL 9 rpms (looked up in every RHEL 9 stream the DB holds, by source and binary name) and an app's npm packages.
  const imagePackages: Package[] = [];
  let imageExpected = add(imagePackages, 'rpm', RHEL9_STREAMS, 200, 'rpm');
  imageExpected += add(imagePackages, 'npm', ['npm'], 150, 'img-npm');
  // A host as the earlier measurement had it: 600 Debian 12 packages by source, 400 npm, 200 PyPI.
  const hostPackages: Package[] = [];
  let hostExpected = add(hostPackages, 'deb', ['Debian:12'], 600, 'deb');
  hostExpected += add(hostPackages, 'npm', ['npm'], 400, 'npm');
  hostExpected += add(hostPackages, 'pypi', ['PyPI'], 200, 'py');

  return {
    records,
    image: { label: 'image (200 RHEL 9 rpms, 150 npm)', os: { id: 'rhel', versionId: '9', cpeName: 'cpe:/o:redhat:enterprise_linux:9::baseos', prettyName: 'Red Hat Enterprise Linux 9.4 (Plow)' }, packages: imagePackages, expected: imageExpected },
    host: { label: 'host (600 Debian 12, 400 npm, 200 PyPI)', os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' }, packages: hostPackages, expected: hostExpected },
  };
}
