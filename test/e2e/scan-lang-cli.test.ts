import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../support/server-process.js';

const run = promisify(execFile);
const LANG = join('test', 'fixtures', 'lang');
const FEED = join('test', 'fixtures', 'vulndb-lang');

interface JsonReport {
  findings: Array<{ id: string; ecosystem: string; package: { type: string; name: string; version: string }; fixedVersion: string | null; matchedRange: string; dataSource: string; locations: Array<{ path: string }> }>;
  warnings: string[];
}

describe('openhss scan rootfs: RubyGems, NuGet and Packagist packages against OSV records (the built CLI)', () => {
  let root: string;
  let dir: string;
  let dbFile: string;
  const cli = async (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: dir, OPENHSS_DATA_DIR: dir }, maxBuffer: 64 * 1024 * 1024 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openhss-scan-lang-'));
    root = join(dir, 'root');
    const put = (from: string, to: string) => {
      mkdirSync(dirname(join(root, to)), { recursive: true });
      copyFileSync(join(LANG, from), join(root, to));
    };
    // A Rails app with its gems installed by Bundler, an ASP.NET app published with its deps.json, a Laravel app with its vendor dir, a Node app.
    put('rails-app/Gemfile.lock', 'srv/rails/Gemfile.lock');
    put('rails-app/rack-2.2.8.gemspec', 'usr/local/bundle/specifications/rack-2.2.8.gemspec');
    put('rails-app/rake-13.0.6.gemspec', 'usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec');
    put('aspnet-app/packages.lock.json', 'src/Contoso.Api/packages.lock.json');
    put('aspnet-app/Contoso.Api.deps.json', 'app/Contoso.Api.deps.json');
    put('laravel-app/composer.lock', 'var/www/html/composer.lock');
    put('laravel-app/installed.json', 'var/www/html/vendor/composer/installed.json');
    mkdirSync(join(root, 'srv/node/node_modules/lodash'), { recursive: true });
    writeFileSync(join(root, 'srv/node/package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'web' }, 'node_modules/lodash': { version: '4.17.11' } } }));
    writeFileSync(join(root, 'srv/node/node_modules/lodash/package.json'), JSON.stringify({ name: 'lodash', version: '4.17.11' }));
    dbFile = join(dir, 'vulndb.sqlite');
    await cli('db', 'import', FEED, '--db', dbFile);
  });

  it('reports the vulnerable gem, NuGet package, Composer package and npm package once each, with the fix of their own line and every location', async () => {
    const { stdout } = await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'json', '--quiet');
    const report = JSON.parse(stdout) as JsonReport;
    const rows = report.findings.map((f) => [f.ecosystem, f.package.type, f.package.name, f.package.version, f.id, f.fixedVersion, f.locations.map((l) => l.path).sort()]).sort((a, b) => (String(a[2]) < String(b[2]) ? -1 : 1));
    assert.deepEqual(rows, [
      ['NuGet', 'nuget', 'Newtonsoft.Json', '12.0.3', 'GHSA-5crp-9r3c-p9vr', '13.0.1', ['app/Contoso.Api.deps.json', 'src/Contoso.Api/packages.lock.json']],
      ['Packagist', 'composer', 'guzzlehttp/guzzle', '7.4.2', 'GHSA-cwmx-hcrq-mhc3', '7.4.3', ['var/www/html/composer.lock', 'var/www/html/vendor/composer/installed.json']],
      ['npm', 'npm', 'lodash', '4.17.11', 'GHSA-jf85-cpcp-j695', '4.17.12', ['srv/node/node_modules/lodash/package.json', 'srv/node/package-lock.json']],
      ['RubyGems', 'gem', 'rack', '2.2.8', 'GHSA-54rr-7fvw-6x8f', '2.2.8.1', ['srv/rails/Gemfile.lock', 'usr/local/bundle/specifications/rack-2.2.8.gemspec']],
    ]);
    const rack = report.findings.find((f) => f.package.name === 'rack')!;
    assert.equal(rack.matchedRange, 'introduced 2.2.0, fixed 2.2.8.1');
    assert.match(rack.dataSource, /^osv/);
  });

  it('shows each once in the table, and the SARIF result points at both files', async () => {
    const table = (await cli('scan', 'rootfs', root, '--db', dbFile, '--quiet')).stdout;
    assert.match(table, /, 4 vulnerabilities/);
    assert.match(table, /rack\s+2\.2\.8\s+2\.2\.8\.1\s+GHSA-54rr-7fvw-6x8f/);
    assert.match(table, /Newtonsoft\.Json\s+12\.0\.3\s+13\.0\.1\s+GHSA-5crp-9r3c-p9vr/);
    assert.match(table, /guzzlehttp\/guzzle\s+7\.4\.2\s+7\.4\.3\s+GHSA-cwmx-hcrq-mhc3/);
    const sarif = JSON.parse((await cli('scan', 'rootfs', root, '--db', dbFile, '--format', 'sarif', '--quiet')).stdout);
    const lodash = sarif.runs[0].results.filter((r: { ruleId: string }) => r.ruleId === 'GHSA-jf85-cpcp-j695');
    assert.equal(lodash.length, 1);
    assert.equal(lodash[0].locations.length, 2);
  });
});
