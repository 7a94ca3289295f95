/**
 * A full-size OSV corpus for bench/vulndb-full.ts: about 650,000 records across every ecosystem
 * openhss fetches, in the shapes osv.dev serves them (ecosystem strings per release or stream,
 * each family's id scheme, version format and range type, aliases, severity), written as one
 * `<Ecosystem>/all.zip` per ecosystem as the OSV bucket lays them out.
 *
 * The split roughly follows the real bucket (npm is mostly MAL- malicious-package records with
 * explicit versions and no fix). Ground truth: every generated record has a unique id and at least
 * one affected package with a range or versions, so the DB must hold exactly `total` advisories.
 */
import { mkdirSync } from 'node:fs';
import { rng } from '../../test/medium/vulndb/support/generate-osv.js';
import { writeZip, type ZipEntry } from '../../test/medium/vulndb/support/zip.js';

export interface Family {
  /** The bucket directory (`Red Hat`), also the feed `osv/<dir>`. */
  dir: string;
  records: number;
  /** `affected[].package.ecosystem` values, one picked per affected entry. */
  ecosystems: readonly string[];
  id: (i: number) => string;
  /** A fixed version and an installed-looking version below it, in the family's format. */
  version: (major: number, minor: number, patch: number) => string;
  range: 'SEMVER' | 'ECOSYSTEM';
  /** Package name for index `n`. */
  pkg: (n: number) => string;
  purl: (name: string) => string | undefined;
  severity: 'cvss' | 'ubuntu' | 'ghsa';
  /** Malicious-package records: explicit versions, introduced 0, no fix. */
  malicious?: number;
}

const dpkg = (a: number, b: number, c: number) => `${a}.${b}.${c}-${1 + (c % 3)}`;
const rpm = (dist: string) => (a: number, b: number, c: number) => `${a}.${b}.${c}-${10 + c}.${dist}`;

export const FAMILIES: readonly Family[] = [
  { dir: 'npm', records: 238_000, ecosystems: ['npm'], id: (i) => (i % 10 < 8 ? `MAL-2024-${i}` : `GHSA-n${i.toString(36)}-npm-bench`), version: (a, b, c) => `${a}.${b}.${c}`, range: 'SEMVER', pkg: (n) => `pkg-${n}`, purl: (n) => `pkg:npm/${n}`, severity: 'ghsa', malicious: 0.8 },
  { dir: 'PyPI', records: 25_000, ecosystems: ['PyPI'], id: (i) => (i % 2 ? `PYSEC-2023-${i}` : `GHSA-p${i.toString(36)}-pypi-bench`), version: (a, b, c) => `${a}.${b}.${c}`, range: 'ECOSYSTEM', pkg: (n) => `py_pkg-${n}`, purl: (n) => `pkg:pypi/${n}`, severity: 'cvss' },
  { dir: 'Maven', records: 6_000, ecosystems: ['Maven'], id: (i) => `GHSA-m${i.toString(36)}-mvn-bench`, version: (a, b, c) => `${a}.${b}.${c}`, range: 'ECOSYSTEM', pkg: (n) => `org.example.g${n % 300}:artifact-${n}`, purl: () => undefined, severity: 'cvss' },
  { dir: 'Go', records: 6_000, ecosystems: ['Go'], id: (i) => `GO-2023-${i}`, version: (a, b, c) => `${a}.${b}.${c}`, range: 'SEMVER', pkg: (n) => `github.com/example${n % 500}/module${n}`, purl: (n) => `pkg:golang/${n}`, severity: 'cvss' },
  { dir: 'crates.io', records: 2_000, ecosystems: ['crates.io'], id: (i) => `RUSTSEC-2023-${i}`, version: (a, b, c) => `${a}.${b}.${c}`, range: 'SEMVER', pkg: (n) => `crate_${n}`, purl: (n) => `pkg:cargo/${n}`, severity: 'cvss' },
  { dir: 'RubyGems', records: 1_500, ecosystems: ['RubyGems'], id: (i) => `GHSA-r${i.toString(36)}-gem-bench`, version: (a, b, c) => `${a}.${b}.${c}`, range: 'ECOSYSTEM', pkg: (n) => `gem-${n}`, purl: (n) => `pkg:gem/${n}`, severity: 'ghsa' },
  { dir: 'NuGet', records: 800, ecosystems: ['NuGet'], id: (i) => `GHSA-u${i.toString(36)}-nuget-bench`, version: (a, b, c) => `${a}.${b}.${c}`, range: 'ECOSYSTEM', pkg: (n) => `Example.Package${n}`, purl: (n) => `pkg:nuget/${n}`, severity: 'ghsa' },
  { dir: 'Packagist', records: 4_500, ecosystems: ['Packagist'], id: (i) => `GHSA-k${i.toString(36)}-php-bench`, version: (a, b, c) => `${a}.${b}.${c}`, range: 'ECOSYSTEM', pkg: (n) => `vendor${n % 400}/package${n}`, purl: (n) => `pkg:composer/${n}`, severity: 'ghsa' },
  { dir: 'Debian', records: 60_000, ecosystems: ['Debian:11', 'Debian:12', 'Debian:13'], id: (i) => (i % 3 ? `DEBIAN-CVE-2023-${i}` : i % 2 ? `DSA-${i}-1` : `DLA-${i}-1`), version: dpkg, range: 'ECOSYSTEM', pkg: (n) => `srcpkg${n}`, purl: (n) => `pkg:deb/debian/${n}`, severity: 'cvss' },
  { dir: 'Ubuntu', records: 80_000, ecosystems: ['Ubuntu:20.04:LTS', 'Ubuntu:22.04:LTS', 'Ubuntu:24.04:LTS', 'Ubuntu:24.10', 'Ubuntu:Pro:18.04:LTS', 'Ubuntu:Pro:FIPS:22.04:LTS'], id: (i) => (i % 4 ? `UBUNTU-CVE-2023-${i}` : `USN-${i}-1`), version: (a, b, c) => `${a}.${b}.${c}-${c}ubuntu0.${b % 4}`, range: 'ECOSYSTEM', pkg: (n) => `srcpkg${n}`, purl: (n) => `pkg:deb/ubuntu/${n}`, severity: 'ubuntu' },
  { dir: 'Red Hat', records: 40_000, ecosystems: ['Red Hat:enterprise_linux:9::appstream', 'Red Hat:enterprise_linux:9::baseos', 'Red Hat:enterprise_linux:8::appstream', 'Red Hat:enterprise_linux:8::baseos', 'Red Hat:rhel_eus:9.2::appstream', 'Red Hat:enterprise_linux:9::crb'], id: (i) => `RHSA-2023:${i}`, version: (a, b, c) => `${c % 2}:${a}.${b}.${c}-${10 + c}.el9_${b % 5}`, range: 'ECOSYSTEM', pkg: (n) => `rpmpkg${n}`, purl: (n) => `pkg:rpm/redhat/${n}`, severity: 'cvss' },
  { dir: 'SUSE', records: 60_000, ecosystems: ['SUSE:Linux Enterprise Server 15 SP5', 'SUSE:Linux Enterprise Server 15 SP6', 'SUSE:Linux Enterprise Module for Basesystem 15 SP5', 'SUSE:Linux Enterprise Server for SAP Applications 15 SP5', 'SUSE:Linux Enterprise Desktop 15 SP5'], id: (i) => `SUSE-SU-2023:${i}-1`, version: (a, b, c) => `${a}.${b}.${c}-150500.${b}.${c}.1`, range: 'ECOSYSTEM', pkg: (n) => `rpmpkg${n}`, purl: (n) => `pkg:rpm/suse/${n}`, severity: 'cvss' },
  { dir: 'openSUSE', records: 20_000, ecosystems: ['openSUSE:Leap 15.5', 'openSUSE:Leap 15.6', 'openSUSE:Tumbleweed'], id: (i) => (i % 2 ? `openSUSE-SU-2023:${i}-1` : `openSUSE-SU-2024:${i}-1`), version: (a, b, c) => `${a}.${b}.${c}-150500.${b}.${c}.1`, range: 'ECOSYSTEM', pkg: (n) => `rpmpkg${n}`, purl: (n) => `pkg:rpm/opensuse/${n}`, severity: 'cvss' },
  { dir: 'AlmaLinux', records: 8_000, ecosystems: ['AlmaLinux:8', 'AlmaLinux:9'], id: (i) => `ALSA-2023:${i}`, version: rpm('el9_2.alma.1'), range: 'ECOSYSTEM', pkg: (n) => `rpmpkg${n}`, purl: (n) => `pkg:rpm/almalinux/${n}`, severity: 'cvss' },
  { dir: 'Rocky Linux', records: 8_000, ecosystems: ['Rocky Linux:8', 'Rocky Linux:9'], id: (i) => `RLSA-2023:${i}`, version: rpm('el9_2'), range: 'ECOSYSTEM', pkg: (n) => `rpmpkg${n}`, purl: (n) => `pkg:rpm/rocky-linux/${n}`, severity: 'cvss' },
  { dir: 'openEuler', records: 15_000, ecosystems: ['openEuler:20.03-LTS-SP4', 'openEuler:22.03-LTS-SP1', 'openEuler:22.03-LTS-SP3', 'openEuler:24.03-LTS'], id: (i) => `OESA-2023-${i}`, version: rpm('oe2203sp1'), range: 'ECOSYSTEM', pkg: (n) => `rpmpkg${n}`, purl: (n) => `pkg:rpm/openEuler/${n}`, severity: 'cvss' },
  { dir: 'Alpine', records: 30_000, ecosystems: ['Alpine:v3.18', 'Alpine:v3.19', 'Alpine:v3.20', 'Alpine:v3.21'], id: (i) => `ALPINE-CVE-2023-${i}`, version: (a, b, c) => `${a}.${b}.${c}-r${c}`, range: 'ECOSYSTEM', pkg: (n) => `aport${n}`, purl: (n) => `pkg:apk/alpine/${n}`, severity: 'cvss' },
  { dir: 'Wolfi', records: 15_000, ecosystems: ['Wolfi'], id: (i) => `CGA-w${i.toString(36)}-wolfi`, version: (a, b, c) => `${a}.${b}.${c}-r${c}`, range: 'ECOSYSTEM', pkg: (n) => `wolfipkg${n}`, purl: (n) => `pkg:apk/wolfi/${n}`, severity: 'cvss' },
  { dir: 'Chainguard', records: 20_000, ecosystems: ['Chainguard'], id: (i) => `CGA-c${i.toString(36)}-chainguard`, version: (a, b, c) => `${a}.${b}.${c}-r${c}`, range: 'ECOSYSTEM', pkg: (n) => `cgpkg${n}`, purl: (n) => `pkg:apk/chainguard/${n}`, severity: 'cvss' },
  { dir: 'Azure Linux', records: 10_000, ecosystems: ['Azure Linux:3'], id: (i) => `AZL-${i}`, version: rpm('azl3'), range: 'ECOSYSTEM', pkg: (n) => `rpmpkg${n}`, purl: (n) => `pkg:rpm/azure-linux/${n}`, severity: 'cvss' },
];

export const TOTAL_RECORDS = FAMILIES.reduce((n, f) => n + f.records, 0);

const V3 = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N',
];
const UBUNTU = ['negligible', 'low', 'medium', 'high', 'critical'];
const GHSA = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL'];

/** Packages per family are drawn from this many names, so each package has several advisories as in real data. */
const PACKAGES_PER_FAMILY = 12_000;

export function generateRecord(family: Family, i: number, random: () => number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const id = family.id(i);
  const cve = `CVE-${2016 + (i % 9)}-${100000 + i}`;
  const malicious = family.malicious !== undefined && id.startsWith('MAL-');
  const affected: Array<Record<string, unknown>> = [];
  const entries = malicious ? 1 : 1 + Math.floor(random() * (family.ecosystems.length > 1 ? 3 : 1.3));
  for (let e = 0; e < entries; e++) {
    const name = family.pkg(Math.floor(random() * PACKAGES_PER_FAMILY));
    const a = 1 + Math.floor(random() * 5);
    const b = Math.floor(random() * 20);
    const c = Math.floor(random() * 10);
    const purl = family.purl(name);
    const pkg = { ecosystem: family.ecosystems[(i + e) % family.ecosystems.length], name, ...(purl ? { purl } : {}) };
    if (malicious) {
      affected.push({ package: pkg, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }], versions: Array.from({ length: 1 + Math.floor(random() * 4) }, (_, k) => `${a}.${b}.${k}`), database_specific: { 'malicious-packages-origins': [{ source: 'ghsa-malware', sha256: '0'.repeat(64) }] } });
      continue;
    }
    const events: Array<Record<string, string>> = [{ introduced: random() < 0.6 ? '0' : family.version(a, 0, 0) }, { fixed: family.version(a, b, c) }];
    const entry: Record<string, unknown> = { package: pkg, ranges: [{ type: family.range, events }] };
    if (family.range === 'ECOSYSTEM' && family.dir === 'PyPI' && random() < 0.5) entry.versions = Array.from({ length: 3 + Math.floor(random() * 25) }, (_, k) => `${a}.${Math.floor(k / 5)}.${k % 5}`);
    if (family.severity === 'ubuntu') entry.ecosystem_specific = { binaries: [{ binary_name: `${name}-bin`, binary_version: family.version(a, b, c) }], availability: 'No subscription required' };
    if (family.dir === 'Red Hat' || family.dir === 'AlmaLinux' || family.dir === 'Rocky Linux') entry.ecosystem_specific = { affected_cpes: [`cpe:/a:redhat:enterprise_linux:${a % 2 ? 9 : 8}::appstream`] };
    affected.push(entry);
  }
  const record: Record<string, unknown> = {
    schema_version: '1.6.0',
    id,
    modified: `2024-0${1 + (i % 9)}-1${i % 10}T12:00:00Z`,
    published: `2023-0${1 + (i % 9)}-0${1 + (i % 9)}T08:00:00Z`,
    aliases: malicious ? [] : [cve],
    ...(family.dir === 'Debian' || family.dir === 'Ubuntu' ? { upstream: [cve] } : {}),
    summary: malicious ? `Malicious code in ${String((affected[0]!.package as { name: string }).name)} (npm)` : `${family.dir} advisory ${i}: a flaw in ${String((affected[0]!.package as { name: string }).name)}`,
    details: `Generated ${family.dir} advisory ${i}. `.repeat(4 + (i % 6)),
    affected,
    references: [
      { type: 'ADVISORY', url: `https://example.org/${encodeURIComponent(family.dir)}/${id}` },
      { type: 'REPORT', url: `https://bugs.example.org/${cve}` },
    ],
  };
  if (family.severity === 'cvss' || (family.severity === 'ghsa' && !malicious && random() < 0.7)) record.severity = [{ type: 'CVSS_V3', score: pick(V3) }];
  if (family.severity === 'ubuntu') record.severity = [{ type: 'Ubuntu', score: pick(UBUNTU) }, ...(random() < 0.5 ? [{ type: 'CVSS_V3', score: pick(V3) }] : [])];
  if (family.severity === 'ghsa') record.database_specific = { severity: malicious ? 'CRITICAL' : pick(GHSA), cwe_ids: ['CWE-79'], github_reviewed: true };
  return record;
}

/** Writes `<dir>/<Ecosystem>/all.zip` for every family; returns the records written per feed (the ground truth). */
export function writeCorpus(dir: string, scale = 1): Map<string, number> {
  const truth = new Map<string, number>();
  let offset = 0;
  for (const family of FAMILIES) {
    const random = rng(0x05f + offset);
    const count = Math.max(1, Math.round(family.records * scale));
    const entries: ZipEntry[] = [];
    for (let i = 0; i < count; i++) {
      const record = generateRecord(family, offset + i, random);
      entries.push({ name: `${record.id as string}.json`, data: JSON.stringify(record) });
    }
    mkdirSync(`${dir}/${family.dir}`, { recursive: true });
    writeZip(`${dir}/${family.dir}/all.zip`, entries);
    truth.set(`osv/${family.dir}`, count);
    offset += count;
  }
  return truth;
}
