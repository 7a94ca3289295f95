import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Package } from '../../../src/domain/package.js';
import { matchInventory, type AdvisorySource } from '../../../src/findings/match-inventory.js';
import { composerAnalyzer } from '../../../src/inventory/lang/composer.js';
import { gemAnalyzer } from '../../../src/inventory/lang/gem.js';
import { npmAnalyzer } from '../../../src/inventory/lang/npm.js';
import { nugetAnalyzer } from '../../../src/inventory/lang/nuget.js';
import { matchers } from '../../../src/matchers/index.js';
import { sarifReport } from '../../../src/reports/sarif.js';
import { normalizeEcosystem, normalizePackageName, type AffectedRecord, type AdvisoryRecord } from '../../../src/vulndb/index.js';

const FIXTURES = join('test', 'fixtures', 'lang');

/** Looks packages up the way the vulnerability DB does (ecosystem and name normalised). */
class FakeDb implements AdvisorySource {
  constructor(private readonly records: AffectedRecord[]) {}
  affectedFor(ecosystem: string, name: string): AffectedRecord[] {
    const eco = normalizeEcosystem(ecosystem);
    return this.records.filter((r) => r.ecosystem === eco && normalizePackageName(eco, r.package) === normalizePackageName(eco, name));
  }
}

const advisory = (id: string, aliases: string[] = []): AdvisoryRecord => ({
  id, source: 'osv', feed: 'osv', published: null, modified: null, summary: `${id} summary`, url: null,
  severity: 'high', severitySource: null, cvss: null, kev: null, aliases, related: [],
});

/** An OSV-style entry: ECOSYSTEM ranges, one per (introduced, fixed) pair. */
const osv = (ecosystem: string, pkg: string, id: string, ...pairs: Array<[string, string]>): AffectedRecord => ({
  advisory: advisory(id), ecosystem, package: pkg, purl: null, status: 'affected', statusNote: null, severity: null, severityRaw: null,
  ranges: pairs.map(([introduced, fixed]) => ({ type: 'ECOSYSTEM' as const, events: [{ kind: 'introduced' as const, version: introduced }, { kind: 'fixed' as const, version: fixed }] })),
  versions: [], fixedVersions: pairs.map(([, fixed]) => fixed),
});

const DB = new FakeDb([
  osv('RubyGems', 'rack', 'GHSA-22f2-v57c-j9cx', ['0', '2.0.9.4'], ['2.1.0', '2.1.4.4'], ['2.2.0', '2.2.8.1'], ['3.0.0', '3.0.9.1']),
  osv('RubyGems', 'nokogiri', 'GHSA-xc9x-jj77-9p9j', ['0', '1.16.2']),
  osv('NuGet', 'System.Text.Encodings.Web', 'GHSA-ghhp-997w-qr28', ['4.0.0', '4.5.1'], ['5.0.0', '5.0.1']),
  osv('NuGet', 'newtonsoft.json', 'GHSA-5crp-9r3c-p9vr', ['0', '13.0.1']),
  osv('Packagist', 'guzzlehttp/guzzle', 'GHSA-cwmx-hcrq-mhc3', ['0', '6.5.6'], ['7.0.0', '7.4.3']),
  osv('Packagist', 'laravel/framework', 'GHSA-87h7-2c9g-xqhp', ['9.0.0', '9.52.8']),
  osv('Packagist', 'acme/internal-toolkit', 'GHSA-0000-0000-0001', ['0', '1.0.0']),
  osv('npm', 'lodash', 'GHSA-jf85-cpcp-j695', ['0', '4.17.12']),
]);

const read = (analyzer: typeof gemAnalyzer, file: string, path: string): Package[] => analyzer.analyze({ path, content: readFileSync(join(FIXTURES, file)) }).packages;

describe('language ecosystems: RubyGems, NuGet, Packagist', () => {
  it('looks each up in its exact OSV ecosystem with its own version order, and reports the fix above the installed version', () => {
    const packages = [
      ...read(gemAnalyzer, 'rails-app/Gemfile.lock', 'app/Gemfile.lock'),
      ...read(nugetAnalyzer, 'aspnet-app/packages.lock.json', 'src/Api/packages.lock.json'),
      ...read(composerAnalyzer, 'laravel-app/composer.lock', 'www/composer.lock'),
    ];
    const { findings, warnings } = matchInventory({ packages }, DB, matchers);
    assert.deepEqual(findings.map((f) => [f.ecosystem, f.package.type, f.package.name, f.installedVersion, f.id, f.fixedVersion]).sort(), [
      ['NuGet', 'nuget', 'Newtonsoft.Json', '12.0.3', 'GHSA-5crp-9r3c-p9vr', '13.0.1'],
      ['Packagist', 'composer', 'guzzlehttp/guzzle', '7.4.2', 'GHSA-cwmx-hcrq-mhc3', '7.4.3'],
      ['Packagist', 'composer', 'laravel/framework', 'v9.52.7', 'GHSA-87h7-2c9g-xqhp', '9.52.8'],
      ['RubyGems', 'gem', 'nokogiri', '1.15.4', 'GHSA-xc9x-jj77-9p9j', '1.16.2'],
      ['RubyGems', 'gem', 'rack', '2.2.8', 'GHSA-22f2-v57c-j9cx', '2.2.8.1'],
    ]);
    // System.Text.Encodings.Web 4.7.1 lies between the 4.0.0–4.5.1 and 5.0.0–5.0.1 ranges.
    assert.ok(!findings.some((f) => f.package.name === 'System.Text.Encodings.Web'));
    // A branch has no version order: said once, not guessed.
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^Packagist acme\/internal-toolkit dev-main: GHSA-0000-0000-0001 not evaluated: .*branch/);
  });

  it('reports System.Text.Encodings.Web 4.5.0 with the fix of its own line (4.5.1, not 5.0.1)', () => {
    const pkg: Package = { type: 'nuget', name: 'System.Text.Encodings.Web', version: '4.5.0', location: { path: 'x.deps.json' } };
    const [finding] = matchInventory({ packages: [pkg] }, DB, matchers).findings;
    assert.equal(finding?.fixedVersion, '4.5.1');
    assert.equal(finding?.matchedRange, 'introduced 4.0.0, fixed 4.5.1');
  });
});

describe('one finding per package, wherever it was found', () => {
  it('npm: package-lock.json and node_modules listing lodash 4.17.11 give one finding with both locations', () => {
    const lock = npmAnalyzer.analyze({ path: 'srv/app/package-lock.json', content: Buffer.from(JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.11' } } })), layerDigest: 'sha256:a' }).packages;
    const installed = npmAnalyzer.analyze({ path: 'srv/app/node_modules/lodash/package.json', content: Buffer.from(JSON.stringify({ name: 'lodash', version: '4.17.11' })), layerDigest: 'sha256:b' }).packages;
    const report = matchInventory({ packages: [...lock, ...installed] }, DB, matchers);
    assert.equal(report.findings.length, 1);
    const [f] = report.findings;
    assert.equal(f!.id, 'GHSA-jf85-cpcp-j695');
    assert.deepEqual(f!.locations, [
      { path: 'srv/app/package-lock.json', layerDigest: 'sha256:a' },
      { path: 'srv/app/node_modules/lodash/package.json', layerDigest: 'sha256:b' },
    ]);
    assert.deepEqual(f!.location, f!.locations[0]);
    // SARIF points at both files from the one result.
    const sarif = JSON.parse(sarifReport({ artifact: { kind: 'rootfs', name: 'x' }, packages: [...lock, ...installed], findings: report.findings, warnings: [], scannedAt: 0 }, '0'));
    assert.deepEqual(sarif.runs[0].results.map((r: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) => r.locations.map((l) => l.physicalLocation.artifactLocation.uri)), [
      ['srv/app/package-lock.json', 'srv/app/node_modules/lodash/package.json'],
    ]);
  });

  it('every ecosystem: a Gemfile.lock and the installed gemspec, a lock file and a deps.json, composer.lock and installed.json', () => {
    const packages = [
      ...read(gemAnalyzer, 'rails-app/Gemfile.lock', 'app/Gemfile.lock'),
      ...read(gemAnalyzer, 'rails-app/rack-2.2.8.gemspec', 'usr/local/bundle/specifications/rack-2.2.8.gemspec'),
      ...read(nugetAnalyzer, 'aspnet-app/packages.lock.json', 'src/Api/packages.lock.json'),
      ...read(nugetAnalyzer, 'aspnet-app/Contoso.Api.deps.json', 'app/Contoso.Api.deps.json'),
      ...read(composerAnalyzer, 'laravel-app/composer.lock', 'www/composer.lock'),
      ...read(composerAnalyzer, 'laravel-app/installed.json', 'www/vendor/composer/installed.json'),
    ];
    const findings = matchInventory({ packages }, DB, matchers).findings;
    const where = Object.fromEntries(findings.map((f) => [f.package.name, f.locations.map((l) => l.path)]));
    assert.equal(findings.length, 5);
    assert.deepEqual(where, {
      rack: ['app/Gemfile.lock', 'usr/local/bundle/specifications/rack-2.2.8.gemspec'],
      nokogiri: ['app/Gemfile.lock'],
      'Newtonsoft.Json': ['src/Api/packages.lock.json', 'app/Contoso.Api.deps.json'],
      'guzzlehttp/guzzle': ['www/composer.lock', 'www/vendor/composer/installed.json'],
      'laravel/framework': ['www/composer.lock', 'www/vendor/composer/installed.json'],
    });
  });

  it('keeps different versions of one package apart', () => {
    const at = (version: string, path: string): Package => ({ type: 'npm', name: 'lodash', version, location: { path } });
    const findings = matchInventory({ packages: [at('4.17.11', 'a/package-lock.json'), at('4.17.10', 'b/package-lock.json')] }, DB, matchers).findings;
    assert.deepEqual(findings.map((f) => [f.package.version, f.locations.map((l) => l.path)]).sort(), [
      ['4.17.10', ['b/package-lock.json']],
      ['4.17.11', ['a/package-lock.json']],
    ]);
  });
});
