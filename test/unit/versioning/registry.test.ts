import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparatorFor, comparators, compareVersions, UnparsableVersionError, VERSION_SCHEMES } from '../../../src/versioning/index.js';

describe('versioning registry', () => {
  it('has one comparator per scheme, each knowing its own scheme', () => {
    assert.deepEqual(Object.keys(comparators).sort(), [...VERSION_SCHEMES].sort());
    for (const scheme of VERSION_SCHEMES) {
      assert.equal(comparators[scheme].scheme, scheme);
      assert.equal(comparatorFor(scheme), comparators[scheme]);
    }
  });

  it('orders the same string pair differently per scheme, which is why the scheme is explicit', () => {
    // "1.0~rc1": a pre-release for dpkg and rpm, a later commit build for apk.
    assert.equal(compareVersions('deb', '1.0~rc1', '1.0'), -1);
    assert.equal(compareVersions('rpm', '1.0~rc1', '1.0'), -1);
    assert.equal(compareVersions('apk', '1.0~1c', '1.0'), 1);
    // "1.0-1": a Debian revision, a Maven sub-version, a PEP 440 post-release.
    assert.equal(compareVersions('deb', '1.0-1', '1.0'), 1);
    assert.equal(compareVersions('maven', '1.0-1', '1.0.1'), -1);
    assert.equal(compareVersions('pep440', '1.0-1', '1.0.post1'), 0);
  });

  it('never falls back to comparing strings: non-strings and garbage throw for every scheme', () => {
    for (const scheme of VERSION_SCHEMES) {
      const c = comparators[scheme];
      assert.equal(c.parse(undefined as unknown as string), null, scheme);
      assert.equal(c.parse(null as unknown as string), null, scheme);
      assert.throws(() => c.compare('(garbage)', '(garbage)'), UnparsableVersionError, scheme);
      assert.throws(() => c.parseOrThrow('(garbage)'), (e: unknown) => e instanceof UnparsableVersionError && e.message.includes(scheme));
    }
  });
});
