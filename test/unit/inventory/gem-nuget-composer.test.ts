import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncAnalyzer } from '../../../src/inventory/analyzer.js';
import { composerAnalyzer } from '../../../src/inventory/lang/composer.js';
import { gemAnalyzer } from '../../../src/inventory/lang/gem.js';
import { nugetAnalyzer } from '../../../src/inventory/lang/nuget.js';
import { analyzers } from '../../../src/inventory/registry.js';

const FIXTURES = join('test', 'fixtures', 'lang');
const fixture = (analyzer: SyncAnalyzer, file: string, path: string) => analyzer.analyze({ path, content: readFileSync(join(FIXTURES, file)), layerDigest: 'sha256:l1' });
const ids = (r: ReturnType<SyncAnalyzer['analyze']>) => r.packages.map((p) => `${p.type}:${p.name}@${p.version}`).sort();

describe('RubyGems analyzer', () => {
  it("reads a Rails app's Gemfile.lock: GEM specs only, platform suffixes cut, each gem once", () => {
    const result = fixture(gemAnalyzer, 'rails-app/Gemfile.lock', 'srv/app/Gemfile.lock');
    assert.deepEqual(result.warnings, []);
    const found = ids(result);
    assert.equal(found.length, 23);
    for (const gem of ['actionpack@7.0.8', 'nokogiri@1.15.4', 'rack@2.2.8', 'puma@6.4.0', 'websocket-extensions@0.1.5', 'concurrent-ruby@1.2.2']) assert.ok(found.includes(`gem:${gem}`), gem);
    // Three platform builds of nokogiri 1.15.4 are one gem; dependency lines (six spaces in) are not gems.
    assert.equal(found.filter((g) => g.startsWith('gem:nokogiri@')).length, 1);
    // GIT (propshaft) and PATH (billing) gems are not from rubygems.org; nothing after GEM's specs is a gem.
    for (const name of ['propshaft', 'billing', 'rails', 'ruby', 'x86_64-linux']) assert.ok(!found.some((g) => g.startsWith(`gem:${name}@`)), name);
    assert.deepEqual(result.packages[0]!.location, { path: 'srv/app/Gemfile.lock', layerDigest: 'sha256:l1' });
  });

  it('reads installed gem specifications wherever gems are installed, default gems included', () => {
    for (const path of [
      'usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec',
      'usr/local/bundle/specifications/rake-13.0.6.gemspec',
      'srv/app/vendor/bundle/ruby/3.2.0/specifications/rake-13.0.6.gemspec',
      'usr/local/lib/ruby/gems/3.2.0/specifications/default/rake-13.0.6.gemspec',
    ]) {
      assert.ok(gemAnalyzer.required(path), path);
      assert.deepEqual(ids(fixture(gemAnalyzer, 'rails-app/rake-13.0.6.gemspec', path)), ['gem:rake@13.0.6'], path);
    }
    assert.deepEqual(ids(fixture(gemAnalyzer, 'rails-app/rack-2.2.8.gemspec', 'usr/local/bundle/specifications/rack-2.2.8.gemspec')), ['gem:rack@2.2.8']);
    // A gem's own source gemspec (in gems/, not specifications/) is not an installed gem's record.
    assert.equal(gemAnalyzer.required('usr/local/bundle/gems/rake-13.0.6/rake.gemspec'), false);
    assert.equal(gemAnalyzer.required('srv/app/Gemfile'), false);
  });

  it('reads the hand-written forms too: another block variable, single quotes, Gem::Version.new', () => {
    const text = "Gem::Specification.new do |spec|\n  spec.name    = 'redcarpet'\n  spec.version = Gem::Version.new('3.6.0')\nend\n";
    assert.deepEqual(ids(gemAnalyzer.analyze({ path: 'specifications/redcarpet-3.6.0.gemspec', content: Buffer.from(text) })), ['gem:redcarpet@3.6.0']);
    const broken = gemAnalyzer.analyze({ path: 'specifications/x.gemspec', content: Buffer.from('Gem::Specification.new do |s|\nend\n') });
    assert.deepEqual(broken.packages, []);
    assert.match(broken.warnings[0]!, /no name or version/);
  });
});

describe('NuGet analyzer', () => {
  it("reads an ASP.NET app's packages.lock.json: every target framework, resolved versions, no project references", () => {
    const result = fixture(nugetAnalyzer, 'aspnet-app/packages.lock.json', 'src/Contoso.Api/packages.lock.json');
    assert.deepEqual(ids(result), [
      'nuget:Microsoft.Data.SqlClient@2.1.4',
      'nuget:Microsoft.EntityFrameworkCore.SqlServer@6.0.5',
      'nuget:Newtonsoft.Json@12.0.3',
      'nuget:Swashbuckle.AspNetCore@6.2.3',
      'nuget:System.Text.Encodings.Web@4.7.1',
    ]);
  });

  it("reads a published app's deps.json: package libraries only, Name/Version split at the last slash", () => {
    const result = fixture(nugetAnalyzer, 'aspnet-app/Contoso.Api.deps.json', 'app/Contoso.Api.deps.json');
    assert.deepEqual(ids(result), ['nuget:Newtonsoft.Json@12.0.3', 'nuget:Swashbuckle.AspNetCore.Swagger@6.2.3', 'nuget:Swashbuckle.AspNetCore@6.2.3', 'nuget:System.Text.Encodings.Web@4.7.1']);
    assert.equal(nugetAnalyzer.required('app/Contoso.Api.runtimeconfig.json'), false);
    assert.match(nugetAnalyzer.analyze({ path: 'app/x.deps.json', content: Buffer.from('[1') }).warnings[0]!, /not a JSON object/);
  });
});

describe('Composer analyzer', () => {
  it("reads a Laravel app's composer.lock: packages and packages-dev, versions as written", () => {
    const result = fixture(composerAnalyzer, 'laravel-app/composer.lock', 'var/www/html/composer.lock');
    assert.deepEqual(ids(result), [
      'composer:acme/internal-toolkit@dev-main',
      'composer:guzzlehttp/guzzle@7.4.2',
      'composer:laravel/framework@v9.52.7',
      'composer:phpunit/phpunit@9.6.7',
      'composer:symfony/http-foundation@v6.2.10',
    ]);
  });

  it('reads vendor/composer/installed.json in the Composer 2 and the Composer 1 form', () => {
    assert.deepEqual(ids(fixture(composerAnalyzer, 'laravel-app/installed.json', 'var/www/html/vendor/composer/installed.json')), [
      'composer:guzzlehttp/guzzle@7.4.2',
      'composer:laravel/framework@v9.52.7',
      'composer:symfony/http-foundation@v6.2.10',
    ]);
    assert.deepEqual(ids(fixture(composerAnalyzer, 'laravel-app/installed-composer1.json', 'app/vendor/composer/installed.json')), ['composer:monolog/monolog@1.25.1', 'composer:twig/twig@v2.12.5']);
    assert.equal(composerAnalyzer.required('app/composer.json'), false);
  });
});

describe('analyzer registry', () => {
  it('runs the three new analyzers, each claiming only its own files', () => {
    const claims = (path: string) => analyzers.filter((a) => a.required(path)).map((a) => a.name);
    assert.deepEqual(claims('srv/app/Gemfile.lock'), ['gem']);
    assert.deepEqual(claims('usr/local/bundle/specifications/rack-2.2.8.gemspec'), ['gem']);
    assert.deepEqual(claims('src/Api/packages.lock.json'), ['nuget']);
    assert.deepEqual(claims('app/Api.deps.json'), ['nuget']);
    assert.deepEqual(claims('app/composer.lock'), ['composer']);
    assert.deepEqual(claims('app/vendor/composer/installed.json'), ['composer']);
  });
});
