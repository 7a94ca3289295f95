/**
 * Generates realistic-looking OSV records (GHSA-style ids, aliases, CVSS v3/v4 vectors, SEMVER
 * ranges, explicit version lists, references) for import-speed measurements. Deterministic per seed.
 */
const V3 = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
  'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N',
  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N',
];
const V4 = ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N'];
const LABELS = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL'];

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

export function generateOsvRecord(i: number, random: () => number, ecosystem = 'npm'): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => '23456789cfghjmpqrvwx'[Math.floor(random() * 20)]).join('');
  const id = `GHSA-${hex(4)}-${hex(4)}-${hex(4)}`;
  const cve = `CVE-${2015 + (i % 10)}-${10000 + i}`;
  const pkg = `package-${Math.floor(random() * 20000)}`;
  const major = Math.floor(random() * 6);
  const severity: Array<{ type: string; score: string }> = [{ type: 'CVSS_V3', score: pick(V3) }];
  if (random() < 0.2) severity.push({ type: 'CVSS_V4', score: pick(V4) });
  const ranges = [
    {
      type: 'SEMVER',
      events: [{ introduced: '0' }, { fixed: `${major}.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}` }],
    },
  ];
  if (random() < 0.3) ranges[0]!.events.push({ introduced: `${major + 1}.0.0` }, { fixed: `${major + 1}.2.${Math.floor(random() * 5)}` });
  const affected: Array<Record<string, unknown>> = [
    {
      package: { ecosystem, name: pkg, purl: `pkg:npm/${pkg}` },
      ranges,
      ...(random() < 0.3 ? { versions: Array.from({ length: 5 + Math.floor(random() * 35) }, (_, k) => `${major}.${k}.0`) } : {}),
      database_specific: { source: 'https://github.com/advisories' },
    },
  ];
  if (random() < 0.15) {
    affected.push({ package: { ecosystem, name: `${pkg}-core` }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.4.2' }] }] });
  }
  return {
    schema_version: '1.6.0',
    id,
    modified: '2024-05-01T12:00:00Z',
    published: '2023-01-01T12:00:00Z',
    aliases: [cve],
    summary: `${pkg} is vulnerable to a generated issue number ${i}`,
    details: `A generated description of issue ${i} in ${pkg}. `.repeat(12),
    severity,
    affected,
    references: [
      { type: 'ADVISORY', url: `https://nvd.nist.gov/vuln/detail/${cve}` },
      { type: 'WEB', url: `https://example.invalid/${pkg}/commit/${hex(10)}` },
      { type: 'PACKAGE', url: `https://www.npmjs.com/package/${pkg}` },
    ],
    database_specific: { cwe_ids: ['CWE-79'], severity: pick(LABELS), github_reviewed: true },
  };
}

export function* generateOsvRecords(count: number, seed = 1, ecosystem = 'npm'): Generator<Record<string, unknown>> {
  const random = rng(seed);
  for (let i = 0; i < count; i++) yield generateOsvRecord(i, random, ecosystem);
}
