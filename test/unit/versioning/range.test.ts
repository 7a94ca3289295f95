import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inRange, InvalidRangeError, UnparsableVersionError, VERSION_SCHEMES, type RangeEvent, type VersionScheme } from '../../../src/versioning/index.js';

interface Case {
  readonly scheme: VersionScheme;
  readonly what: string;
  readonly events: readonly RangeEvent[];
  readonly affected: readonly string[];
  readonly unaffected: readonly string[];
}

const CASES: readonly Case[] = [
  {
    scheme: 'deb',
    what: 'introduced 0, fixed in a stable update',
    events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }],
    affected: ['3.0.9-1', '3.0.11-1~deb12u1', '3.0.11-1~deb12u2~rc1', '0:3.0.11-1~deb11u1'],
    unaffected: ['3.0.11-1~deb12u2', '3.0.11-1~deb12u2+b1', '3.0.11-1', '1:0.1'],
  },
  {
    scheme: 'deb',
    what: 'two last_affected windows',
    events: [{ introduced: '1.0' }, { last_affected: '1.5-2' }, { introduced: '2.0' }, { last_affected: '2.5' }],
    affected: ['1.0', '1.0-1', '1.5-2', '2.0', '2.0+really1.9', '2.5'],
    unaffected: ['0.9', '1.0~rc1', '1.5-2+b1', '1.9', '2.0~rc1', '2.5-1', '3'],
  },
  {
    scheme: 'rpm',
    what: 'a fix that bumped the epoch',
    events: [{ introduced: '0' }, { fixed: '1:3.0.7-28.el9' }],
    affected: ['3.0.7-99.el9', '9.9-1', '1:3.0.7-27.el9', '1:3.0.7-27.el9_3.1'],
    unaffected: ['1:3.0.7-28.el9', '1:3.0.7-28.el9_4', '1:3.0.8-1.el9', '2:0.1-1'],
  },
  {
    scheme: 'rpm',
    what: 'pre-release and snapshot markers around the boundaries',
    events: [{ introduced: '2.0-1' }, { fixed: '2.4^20230101-1' }],
    affected: ['2.0-1', '2.0-1.el9', '2.3.99-5', '2.4~rc1-1', '2.4-9', '2.4^20221231-1'],
    unaffected: ['2.0~rc1-1', '2.0', '1.99-1', '2.4^20230101-1', '2.4^20230101-1.1', '2.4.1-1'],
  },
  {
    scheme: 'apk',
    what: 'two introduced/fixed pairs',
    events: [{ introduced: '1.0-r0' }, { fixed: '1.2.3-r1' }, { introduced: '2.0-r0' }, { fixed: '2.1.1-r0' }],
    affected: ['1.0-r0', '1.1', '1.2.3-r0', '2.0-r0', '2.0.1_p1-r3', '2.1.0-r9', '2.1.1_rc2-r0'],
    unaffected: ['0.9-r0', '1.0_rc1-r0', '1.2.3-r1', '1.5-r0', '2.0_rc1-r0', '2.1.1-r0', '2.1.1_p1-r0', '3.0-r0'],
  },
  {
    scheme: 'npm',
    what: 'introduced 0 and a fix (0 is not valid SemVer, and needs no parsing)',
    events: [{ introduced: '0' }, { fixed: '4.17.21' }],
    affected: ['0.0.1', '4.17.20', '4.17.21-beta.1', '1.0.0-0'],
    unaffected: ['4.17.21', '4.17.21+build.7', '4.17.22', '5.0.0'],
  },
  {
    scheme: 'npm',
    what: 'last_affected',
    events: [{ introduced: '1.0.0' }, { last_affected: '1.4.2' }],
    affected: ['1.0.0', '1.4.2', '1.4.2+build', 'v1.2.0'],
    unaffected: ['0.9.0', '1.0.0-rc.1', '1.4.3-0', '1.4.3'],
  },
  {
    scheme: 'pep440',
    what: 'events listed out of order are sorted first',
    events: [{ fixed: '2.1.3' }, { introduced: '2.1' }, { fixed: '2.0.7' }, { introduced: '2.0' }],
    affected: ['2.0', '2.0.0', '2.0.6.post1', '2.0.7rc1', '2.1', '2.1.2+local', '2.1.3.dev0'],
    unaffected: ['1.9', '2.0rc1', '2.0.dev0', '2.0.7', '2.0.8', '2.1.dev0', '2.1.3', '1!0.1'],
  },
  {
    scheme: 'maven',
    what: 'the log4j-core range',
    events: [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }],
    affected: ['2.0-beta9', '2.0-rc1', '2.0', '2.14.1', '2.15.0-rc1', '2.15-SNAPSHOT'],
    unaffected: ['1.2.17', '2.0-alpha1', '2.0-beta8', '2.15.0', '2.15.0.Final', '2.16.0', '2.17.1'],
  },
  {
    scheme: 'maven',
    what: 'a limit caps everything after it',
    events: [{ introduced: '0' }, { fixed: '1.5' }, { limit: '3.0' }, { introduced: '2.0' }],
    affected: ['1.0', '1.5-rc1', '2.0', '2.9.9', '3.0-rc1'],
    unaffected: ['1.5', '1.9', '3.0', '3.0.1'],
  },
  {
    scheme: 'go',
    what: 'OSV Go records drop the "v"; pseudo-versions sort by their base',
    events: [{ introduced: '0' }, { fixed: '0.17.0' }],
    affected: ['v0.0.0-20220722155237-a158d28d115b', 'v0.16.0', '0.16.0', 'v0.17.0-rc.1', 'v0.17.0-0.20231001000000-abcdefabcdef'],
    unaffected: ['v0.17.0', 'v0.17.0+incompatible', 'v0.17.1-0.20231001000000-abcdefabcdef', 'v1.0.0'],
  },
  {
    scheme: 'rubygems',
    what: "rack's CVE-2024-26146 ranges (one per maintained line)",
    events: [{ introduced: '0' }, { fixed: '2.0.9.4' }, { introduced: '2.1.0' }, { fixed: '2.1.4.4' }, { introduced: '2.2.0' }, { fixed: '2.2.8.1' }, { introduced: '3.0.0' }, { fixed: '3.0.9.1' }],
    affected: ['1.6.13', '2.0.9.3', '2.0.9.4.rc1', '2.1.4', '2.2.8', '3.0.0', '3.0.9'],
    unaffected: ['2.0.9.4', '2.1.0.a', '2.1.4.4', '2.2.8.1', '2.2.9', '3.0.0.beta1', '3.0.9.1', '3.1.0'],
  },
  {
    scheme: 'nuget',
    what: "System.Text.Encodings.Web's CVE-2021-26701 ranges",
    events: [{ introduced: '4.0.0' }, { fixed: '4.5.1' }, { introduced: '5.0.0' }, { fixed: '5.0.1' }],
    affected: ['4.0.0', '4.5.0', '4.5.1-preview1', '5.0.0', '5.0.0.1', '5.0.1-rc.1'],
    unaffected: ['3.9.9', '4.0.0-rc2', '4.5.1', '4.7.2', '5.0.1', '6.0.0'],
  },
  {
    scheme: 'composer',
    what: "guzzlehttp/guzzle's CVE-2022-29248 ranges",
    events: [{ introduced: '0' }, { fixed: '6.5.6' }, { introduced: '7.0.0' }, { fixed: '7.4.3' }],
    affected: ['5.3.4', 'v6.5.5', '6.5.6-RC1', '7.0.0', '7.4.2', '7.4.3-dev'],
    unaffected: ['6.5.6', 'v6.5.8', '7.0.0-beta1', '7.4.3', '7.4.3-p1', '7.5.0'],
  },
];

describe('inRange (OSV events)', () => {
  for (const c of CASES) {
    it(`${c.scheme}: ${c.what}`, () => {
      for (const v of c.affected) assert.equal(inRange(c.scheme, v, c.events), true, `${v} should be affected`);
      for (const v of c.unaffected) assert.equal(inRange(c.scheme, v, c.events), false, `${v} should not be affected`);
    });
  }

  it('covers every scheme', () => {
    assert.deepEqual(new Set(CASES.map((c) => c.scheme)), new Set(VERSION_SCHEMES));
  });

  it('treats introduced "0" as before everything, with or without a fix, for every scheme', () => {
    const sample: Record<VersionScheme, string> = { deb: '0~~', rpm: '0~', apk: '0_alpha', npm: '0.0.0-0', pep440: '0.dev0', maven: '0-alpha', go: 'v0.0.0-0', rubygems: '0.a', nuget: '0.0.0-0', composer: '0.0.0-dev' };
    for (const scheme of VERSION_SCHEMES) {
      assert.equal(inRange(scheme, sample[scheme], [{ introduced: '0' }]), true, scheme);
      assert.equal(inRange(scheme, sample[scheme], [{ introduced: '0' }, { limit: '*' }]), true, scheme);
    }
  });

  it('keeps the written order of events at the same version', () => {
    // [1.0, 2.0) then [2.0, 3.0): 2.0 is affected by the second range.
    const touching: RangeEvent[] = [{ introduced: '1.0.0' }, { fixed: '2.0.0' }, { introduced: '2.0.0' }, { fixed: '3.0.0' }];
    assert.equal(inRange('npm', '2.0.0', touching), true);
    assert.equal(inRange('npm', '3.0.0', touching), false);
    // An empty range [1.0, 1.0) affects nothing.
    assert.equal(inRange('npm', '1.0.0', [{ introduced: '1.0.0' }, { fixed: '1.0.0' }]), false);
    assert.equal(inRange('npm', '1.0.0', [{ introduced: '1.0.0' }, { last_affected: '1.0.0' }]), true);
  });

  it('needs an introduced event to affect anything', () => {
    assert.equal(inRange('deb', '1.0', []), false);
    assert.equal(inRange('deb', '1.0', [{ fixed: '2.0' }]), false);
    assert.equal(inRange('deb', '1.0', [{ limit: '*' }]), false);
  });

  it('throws for unparsable versions on either side, naming the bad one', () => {
    assert.throws(
      () => inRange('npm', '1.2', [{ introduced: '0' }, { fixed: '1.2.4' }]),
      (e: unknown) => e instanceof UnparsableVersionError && e.version === '1.2' && e.scheme === 'npm',
    );
    assert.throws(
      () => inRange('npm', '1.2.3', [{ introduced: '0' }, { fixed: 'next' }]),
      (e: unknown) => e instanceof UnparsableVersionError && e.version === 'next',
    );
    // Even when the bad event would not decide the answer: a half-understood range is not trusted.
    assert.throws(() => inRange('deb', '1.0', [{ introduced: '2.0' }, { fixed: 'x' }]), UnparsableVersionError);
    assert.throws(() => inRange('go', 'v1.0.0', [{ introduced: '0' }, { limit: 'v2' }, { limit: 'not' }]), UnparsableVersionError);
  });

  it('refuses events that are not exactly one of the four kinds', () => {
    assert.throws(() => inRange('npm', '1.0.0', [{ introduced: '1.0.0', fixed: '1.0.2' }]), InvalidRangeError);
    assert.throws(() => inRange('npm', '1.0.0', [{}]), InvalidRangeError);
  });
});
