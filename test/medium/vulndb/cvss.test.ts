import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CvssError, cvss4Score, scoreCvss, severityFromLabel, severityFromScore } from '../../../src/vulndb/index.js';

// Published examples: the FIRST CVSS v3.1 examples document (CVE in the comment), NVD v2 scores,
// and CVSS v4.0 vectors from the FIRST calculator and the reference calculator's rounding reports.
// Every base vector of every version was also compared once, by hand, with an independent
// implementation (ae-cvss-calculator): all 2,592 v3.0 and v3.1, all 729 v2 and all 104,976 v4.0
// base vectors, plus 100,000 random v4.0 vectors with threat and environmental metrics, agreed.
const V3: Array<[string, number, string]> = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1, 'CVE-2013-1937 phpMyAdmin XSS'],
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4, 'CVE-2013-0375 MySQL'],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1, 'CVE-2014-3566 POODLE'],
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9, 'CVE-2012-1516 VMware'],
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2, 'CVE-2009-0783 Tomcat'],
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8, 'CVE-2012-0384 Cisco IOS'],
  ['CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8, 'CVE-2015-1098 Apple iWork'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5, 'CVE-2014-0160 Heartbleed'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'CVE-2014-6271 Shellshock'],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N', 6.8, 'CVE-2008-1447 DNS cache poisoning'],
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 6.8, 'CVE-2014-2005 Sophos'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N', 5.8, 'CVE-2010-0467 Joomla'],
  ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H', 9.3, 'CVE-2013-6014 Juniper'],
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N', 5.4, 'CVE-2014-9253 DokuWiki'],
  ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 8.8, 'CVE-2011-1265 Bluetooth'],
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N', 4.6, 'CVE-2014-2019 Apple iOS'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8, 'CVE-2015-0970 SearchBlox'],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N', 7.4, 'CVE-2014-0224 OpenSSL CCS'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 9.6, 'CVE-2012-5376 Chrome'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10, 'CVE-2021-44228 Log4Shell'],
  ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', 1.6, 'lowest non-zero corner'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0, 'no impact'],
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'v3.0 prefix'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L', 9.8, 'temporal/environmental metrics do not change the base score'],
];

const V2: Array<[string, number, string]> = [
  ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5, 'NVD classic'],
  ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10, 'maximum'],
  ['AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3, 'typical XSS'],
  ['AV:L/AC:L/Au:N/C:C/I:C/A:C', 7.2, 'local root'],
  ['(AV:N/AC:L/Au:N/C:N/I:N/A:P)', 5, 'parenthesised form'],
];

const V4: Array<[string, number, string]> = [
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'network, no interaction, full impact'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 6.9, 'low impacts'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10, 'maximum'],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.5, 'local privilege escalation'],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', 1, 'physical, low'],
  ['CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N', 6.1, 'FIRST calculator'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A', 8.7, 'reference calculator example (BTE)'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H', 8.6, '8.55 tie rounds half up'],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U', 0.4, '0.35 tie rounds half up'],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:H/E:P', 9, '8.95 tie rounds to critical'],
  [
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:P/CR:L/IR:L/AR:L/MAV:N/MAC:L/MAT:N/MPR:L/MUI:A/MVC:H/MVI:H/MVA:H/MSC:H/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Red',
    8.5,
    'every metric group, MSI/MSA safety',
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:N/SA:H/S:N/AU:N/R:I/V:C/RE:M/U:Green/MAV:A/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:N/MVA:H/MSC:H/MSI:H/MSA:H/CR:H/IR:M/AR:H/E:A',
    8.6,
    'metrics out of the usual order',
  ],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0, 'no impact'],
];

describe('CVSS', () => {
  for (const [vector, expected, label] of V3) {
    it(`v3 ${label}: ${expected}`, () => {
      const s = scoreCvss(vector);
      assert.equal(s.score, expected);
      assert.equal(s.version, vector.startsWith('CVSS:3.0') ? '3.0' : '3.1');
    });
  }
  for (const [vector, expected, label] of V2) {
    it(`v2 ${label}: ${expected}`, () => {
      const s = scoreCvss(vector);
      assert.equal(s.score, expected);
      assert.equal(s.version, '2.0');
    });
  }
  for (const [vector, expected, label] of V4) {
    it(`v4 ${label}: ${expected}`, () => {
      assert.equal(cvss4Score(vector), expected);
      assert.equal(scoreCvss(vector).version, '4.0');
    });
  }

  it('maps scores to severity labels at the boundaries', () => {
    const table: Array<[number, string]> = [
      [0, 'none'],
      [0.1, 'low'],
      [3.9, 'low'],
      [4, 'medium'],
      [6.9, 'medium'],
      [7, 'high'],
      [8.9, 'high'],
      [9, 'critical'],
      [10, 'critical'],
    ];
    for (const [score, label] of table) assert.equal(severityFromScore(score, '3.1'), label, `${score}`);
    assert.equal(severityFromScore(9.8, '4.0'), 'critical');
    assert.equal(severityFromScore(10, '2.0'), 'high', 'v2 has no critical');
    assert.equal(severityFromScore(0, '2.0'), 'low');
    assert.equal(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H').severity, 'critical');
  });

  it('maps feed severity words to labels', () => {
    assert.equal(severityFromLabel('MODERATE'), 'medium');
    assert.equal(severityFromLabel('CRITICAL'), 'critical');
    assert.equal(severityFromLabel('unimportant'), 'low');
    assert.equal(severityFromLabel('low**'), 'low');
    assert.equal(severityFromLabel('negligible'), 'low');
    assert.equal(severityFromLabel('not yet assigned'), null);
    assert.equal(severityFromLabel(7), null);
  });

  it('rejects invalid vectors with a reason', () => {
    const bad = [
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', // missing A
      'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // bad value
      'CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // repeated
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1', // unknown metric
      'CVSS:3.1/AV:N//AC:L', // empty part
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', // missing SA
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N', // S only in MSI
      'CVSS:5.0/AV:N',
      'not a vector',
    ];
    for (const vector of bad) assert.throws(() => scoreCvss(vector), CvssError, vector);
  });
});
