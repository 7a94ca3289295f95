import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { npmAnalyzer } from '../../../src/inventory/lang/npm.js';
import { normalizePythonName, pythonAnalyzer } from '../../../src/inventory/lang/python.js';
import { cargoAnalyzer } from '../../../src/inventory/lang/cargo.js';

const run = (analyzer: typeof npmAnalyzer, path: string, text: string) => analyzer.analyze({ path, content: Buffer.from(text) });
const ids = (r: ReturnType<typeof run>) => r.packages.map((p) => `${p.name}@${p.version}`).sort();

describe('npm analyzer', () => {
  it("reads this project's own lockfile (v3) in agreement with what node_modules holds", () => {
    const result = npmAnalyzer.analyze({ path: 'app/package-lock.json', content: readFileSync('package-lock.json') });
    const found = new Map(result.packages.map((p) => [p.name, p.version]));
    for (const name of ['fastify', 'kysely', 'pg-boss', 'better-sqlite3', '@fastify/swagger']) {
      const installed = JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string };
      assert.equal(found.get(name), installed.version, name);
    }
    assert.ok(result.packages.length > 150);
  });

  it('reads a v1 lockfile with nested dependencies, without duplicates', () => {
    const v1 = JSON.stringify({
      lockfileVersion: 1,
      dependencies: { lodash: { version: '4.17.20' }, express: { version: '4.17.1', dependencies: { qs: { version: '6.7.0' }, lodash: { version: '4.17.20' } } } },
    });
    assert.deepEqual(ids(run(npmAnalyzer, 'package-lock.json', v1)), ['express@4.17.1', 'lodash@4.17.20', 'qs@6.7.0']);
  });

  it('reads v2 packages, skipping the root and workspace links, using the install path for the name', () => {
    const v2 = JSON.stringify({
      lockfileVersion: 2,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/minimist': { version: '1.2.5' },
        'node_modules/@babel/core': { version: '7.20.0' },
        'node_modules/a/node_modules/minimist': { version: '0.0.8' },
        'node_modules/my-workspace': { link: true },
      },
    });
    assert.deepEqual(ids(run(npmAnalyzer, 'srv/package-lock.json', v2)), ['@babel/core@7.20.0', 'minimist@0.0.8', 'minimist@1.2.5']);
  });

  it('reads installed modules, scoped ones included, and only their own package.json', () => {
    assert.equal(npmAnalyzer.required('usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json'), true);
    assert.equal(npmAnalyzer.required('app/node_modules/lodash/package.json'), true);
    assert.equal(npmAnalyzer.required('app/node_modules/lodash/fp/package.json'), false);
    assert.equal(npmAnalyzer.required('app/package.json'), false);
    assert.deepEqual(ids(run(npmAnalyzer, 'app/node_modules/lodash/package.json', '{"name":"lodash","version":"4.17.21"}')), ['lodash@4.17.21']);
    assert.match(run(npmAnalyzer, 'package-lock.json', '{broken').warnings[0]!, /not valid JSON/);
  });
});

describe('python analyzer', () => {
  it("reads this machine's installed distributions exactly as pip lists them", () => {
    const sitePackages = execFileSync('python3', ['-c', 'import site; print(site.getsitepackages()[0])'], { encoding: 'utf8' }).trim();
    const expected = (JSON.parse(execFileSync('python3', ['-m', 'pip', 'list', '--format=json', '--path', sitePackages], { encoding: 'utf8' })) as Array<{ name: string; version: string }>)
      .map((p) => `${normalizePythonName(p.name)}@${p.version}`)
      .sort();
    const found: string[] = [];
    for (const entry of readdirSync(sitePackages)) {
      const metadata = join(sitePackages, entry, 'METADATA');
      if (!entry.endsWith('.dist-info') || !existsSync(metadata)) continue;
      found.push(...ids(pythonAnalyzer.analyze({ path: `site-packages/${entry}/METADATA`, content: readFileSync(metadata) })));
    }
    assert.ok(expected.length > 10);
    assert.deepEqual(found.sort(), expected);
  });

  it('reads egg-info, poetry.lock and only exact pins from requirements files', () => {
    assert.deepEqual(ids(run(pythonAnalyzer, 'x/Django.egg-info/PKG-INFO', 'Metadata-Version: 1.1\nName: Django\nVersion: 2.2.1\n\nlong text\nName: other')), ['django@2.2.1']);
    const poetry = '[[package]]\nname = "Jinja2"\nversion = "2.11.2"\n\n[package.dependencies]\nversion = "9"\n\n[[package]]\nname = "PyYAML"\nversion = "5.3"\n\n[metadata]\nversion = "x"\n';
    assert.deepEqual(ids(run(pythonAnalyzer, 'poetry.lock', poetry)), ['jinja2@2.11.2', 'pyyaml@5.3']);
    const requirements = 'flask==1.0.2\nrequests>=2.0\nurllib3 == 1.24.1 ; python_version < "3.8"  # pinned\n# comment\n-r other.txt\nSQLAlchemy[asyncio]===1.3.0\n';
    assert.deepEqual(ids(run(pythonAnalyzer, 'requirements-prod.txt', requirements)), ['flask@1.0.2', 'sqlalchemy@1.3.0', 'urllib3@1.24.1']);
  });
});

describe('cargo analyzer', () => {
  it('reads registry crates from Cargo.lock and leaves out path and git crates', () => {
    const lock = [
      'version = 3',
      '[[package]]\nname = "regex"\nversion = "1.5.4"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "abc"\n',
      '[[package]]\nname = "myapp"\nversion = "0.1.0"\ndependencies = [\n "regex",\n]\n',
      '[[package]]\nname = "tokio"\nversion = "1.20.0"\nsource = "sparse+https://index.crates.io/"\n',
      '[[package]]\nname = "forked"\nversion = "0.2.0"\nsource = "git+https://example.invalid/forked#abc"\n',
    ].join('\n');
    assert.deepEqual(ids(run(cargoAnalyzer, 'src/Cargo.lock', lock)), ['regex@1.5.4', 'tokio@1.20.0']);
  });
});
