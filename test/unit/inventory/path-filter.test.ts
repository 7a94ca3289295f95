import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { pathFilterOf } from '../../../src/inventory/path-filter.js';
import { analyzers } from '../../../src/inventory/registry.js';

/** Files under these directories of this machine, relative to `/` (as a walk of `/` names them). */
function realPaths(dirs: string[], max: number): string[] {
  const out: string[] = [];
  const pending = [...dirs];
  while (pending.length > 0 && out.length < max) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(`/${dir}`, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) pending.push(path);
      else out.push(path);
    }
  }
  return out;
}

/** Paths each analyzer wants (and near misses), in several cases, beside the real ones. */
const MADE_UP = [
  'etc/os-release', 'usr/lib/os-release', 'etc/alpine-release', 'etc/debian_version', 'etc/redhat-release', 'etc/rocky-release', 'ETC/os-release',
  'lib/apk/db/installed', 'var/lib/dpkg/status', 'var/lib/dpkg/status.d/base', 'var/lib/dpkg/status.d/base.md5sums', 'var/lib/dpkg/status.d/',
  'var/lib/rpm/rpmdb.sqlite', 'var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages.db', 'var/lib/rpm/packages',
  'Cargo.lock', 'src/app/Cargo.lock', 'cargo.lock', 'composer.lock', 'vendor/composer/installed.json', 'x/installed.json',
  'Gemfile.lock', 'app/gems.locked', 'usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec', 'gems/specifications/default/json-2.6.gemspec', 'a/b.GEMSPEC',
  'opt/app/lib/guava.jar', 'opt/app/x.JAR', 'srv/a.war', 'b.ear', 'p.jpi', 'q.HPI', 'jar', '.jar', 'a.jar/', 'x.jarx',
  'package-lock.json', 'app/node_modules/lodash/package.json', 'app/node_modules/@types/node/package.json', 'app/package.json', 'node_modules/.bin/package.json',
  'packages.lock.json', 'app/App.deps.json', '.deps.json', 'deps.json',
  'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA', 'x.egg-info/PKG-INFO', 'y.egg-info', 'poetry.lock', 'requirements.txt', 'requirements-dev.txt', 'Requirements.txt', 'a/requirements/base.txt',
  'usr/bin/ls', 'README', 'metadata', 'METADATA',
];

test('the combined path test, then required(), selects exactly what asking every analyzer selects', () => {
  const paths = [...MADE_UP, ...realPaths(['usr', 'etc', 'var/lib', 'opt'], 400_000)];
  assert.ok(paths.length > 1000, `only ${paths.length} paths found`);
  const byPath = analyzers.filter((a) => !a.needsInfo);
  const filter = pathFilterOf(byPath);
  let wanted = 0;
  for (const path of paths) {
    const expected = byPath.filter((a) => a.required(path)).map((a) => a.name);
    const actual = filter.candidates(path).filter((a) => a.required(path)).map((a) => a.name);
    assert.deepEqual(actual, expected, path);
    if (expected.length > 0) wanted++;
  }
  assert.ok(wanted > 10, `only ${wanted} wanted paths among ${paths.length}`);
});

test('an analyzer without a hint is asked of every path', () => {
  const everything = { name: 'all', version: 1, required: () => true, analyze: () => ({ packages: [], warnings: [] }) };
  const filter = pathFilterOf([analyzers[0]!, everything]);
  assert.deepEqual(filter.candidates('usr/bin/ls').map((a) => a.name), ['all']);
  assert.deepEqual(filter.candidates('etc/os-release').map((a) => a.name), [analyzers[0]!.name, 'all']);
});
