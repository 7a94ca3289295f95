import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, formatReference, registryApiHost } from '../../../src/sources/registry/reference.js';
import { InvalidReferenceError } from '../../../src/sources/registry/errors.js';
import { parsePlatform, selectPlatform, type Platform } from '../../../src/sources/registry/platform.js';
import { parseChallenges } from '../../../src/sources/registry/www-authenticate.js';
import { nextLink } from '../../../src/sources/registry/pagination.js';
import { parseRetryAfter, backoffDelay, DEFAULT_RETRY_POLICY, isRetryableStatus } from '../../../src/sources/registry/retry.js';
import { parseManifest } from '../../../src/sources/registry/manifest.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  const cases: Array<[string, string, string, string | undefined, string | undefined]> = [
    // input, registry, repository, tag, digest
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.19', 'docker.io', 'library/alpine', '3.19', undefined],
    ['library/alpine:3.19', 'docker.io', 'library/alpine', '3.19', undefined],
    ['bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['index.docker.io/library/alpine:edge', 'docker.io', 'library/alpine', 'edge', undefined],
    [`alpine@${D}`, 'docker.io', 'library/alpine', undefined, D],
    [`alpine:3.19@${D}`, 'docker.io', 'library/alpine', '3.19', D],
    ['localhost:5000/x', 'localhost:5000', 'x', 'latest', undefined],
    ['localhost/x:1', 'localhost', 'x', '1', undefined],
    ['127.0.0.1:5000/team/app:v1.2.3-rc_1', '127.0.0.1:5000', 'team/app', 'v1.2.3-rc_1', undefined],
    ['[::1]:5000/app:1', '[::1]:5000', 'app', '1', undefined],
    ['ghcr.io/owner/repo/sub/image:tag', 'ghcr.io', 'owner/repo/sub/image', 'tag', undefined],
    [`registry.example.com:8443/a.b/c__d/e-f@${D}`, 'registry.example.com:8443', 'a.b/c__d/e-f', undefined, D],
  ];
  for (const [input, registry, repository, tag, digest] of cases) {
    it(`parses ${input}`, () => {
      const ref = parseReference(input);
      assert.equal(ref.registry, registry);
      assert.equal(ref.repository, repository);
      assert.equal(ref.tag, tag);
      assert.equal(ref.digest, digest);
    });
  }

  it('formats the canonical form and maps Docker Hub to its API host', () => {
    assert.equal(formatReference(parseReference('alpine')), 'docker.io/library/alpine:latest');
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('127.0.0.1:5000'), '127.0.0.1:5000');
  });

  for (const bad of ['', 'Alpine', 'alpine:', 'a//b', 'alpine@sha256:xyz', 'host:99999/x', 'alpine:-bad', 'a b', `x:${'t'.repeat(129)}`]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseReference(bad), (error: unknown) => error instanceof InvalidReferenceError && error.code === 'invalid-reference' && error.message.includes('invalid image reference'));
    });
  }
});

describe('platform selection', () => {
  const entries: Array<{ name: string; platform?: Platform }> = [
    { name: 'attestation', platform: { os: 'unknown', architecture: 'unknown' } },
    { name: 'amd64', platform: { os: 'linux', architecture: 'amd64' } },
    { name: 'arm-v6', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { name: 'arm-v7', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { name: 'arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { name: 'windows', platform: { os: 'windows', architecture: 'amd64' } },
    { name: 'no-platform' },
  ];
  const pick = (text: string) => selectPlatform(entries, parsePlatform(text))?.name;
  it('matches os, architecture and variant, with default variants', () => {
    assert.equal(pick('linux/amd64'), 'amd64');
    assert.equal(pick('linux/arm64'), 'arm64');
    assert.equal(pick('linux/arm64/v8'), 'arm64');
    assert.equal(pick('linux/arm/v7'), 'arm-v7');
    assert.equal(pick('linux/arm/v6'), 'arm-v6');
    assert.equal(pick('windows/amd64'), 'windows');
    assert.equal(pick('linux/arm/v5'), undefined);
    assert.equal(pick('linux/s390x'), undefined);
  });
  it('refuses malformed platforms', () => {
    assert.throws(() => parsePlatform('linux'), /os\/architecture/);
    assert.throws(() => parsePlatform('linux/amd64/v1/x'), /os\/architecture/);
  });
});

describe('WWW-Authenticate, Link, Retry-After', () => {
  it('parses Bearer and Basic challenges, quoted commas and escapes', () => {
    const challenges = parseChallenges('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push", Basic realm="x \\"y\\""');
    assert.deepEqual(challenges, [
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' } },
      { scheme: 'basic', params: { realm: 'x "y"' } },
    ]);
    assert.deepEqual(parseChallenges(['Basic realm=registry', 'Bearer realm="r"']), [
      { scheme: 'basic', params: { realm: 'registry' } },
      { scheme: 'bearer', params: { realm: 'r' } },
    ]);
    assert.deepEqual(parseChallenges(undefined), []);
  });
  it('finds rel="next" in Link headers', () => {
    assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"'), '/v2/_catalog?last=b&n=2');
    assert.equal(nextLink('<https://r/v2/x/tags/list?n=1&last=a>; rel=next'), 'https://r/v2/x/tags/list?n=1&last=a');
    assert.equal(nextLink('</a>; rel="prev", </b>; rel="next"'), '/b');
    assert.equal(nextLink('</a>; rel="prev"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });
  it('reads Retry-After as seconds or a date, and backs off exponentially', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 1), 250);
    assert.equal(backoffDelay(3, DEFAULT_RETRY_POLICY, () => 1), 1000);
    assert.equal(backoffDelay(30, DEFAULT_RETRY_POLICY, () => 0), 2500);
    assert.ok(isRetryableStatus(503) && isRetryableStatus(429) && !isRetryableStatus(404) && !isRetryableStatus(501));
  });
});

describe('manifest parsing', () => {
  const target = { registry: 'r', repository: 'x', reference: 'latest' };
  const descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D, size: 2 };
  it('detects an OCI manifest without a mediaType field by its shape', () => {
    const doc = Buffer.from(JSON.stringify({ schemaVersion: 2, config: descriptor, layers: [] }));
    assert.equal(parseManifest(doc, 'application/json', target).kind, 'manifest');
  });
  it('refuses schema 1, artifacts and bad descriptors with typed errors', () => {
    assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1,"name":"x"}'), 'application/json', target), { name: 'UnsupportedMediaTypeError', message: /schema 1/ });
    assert.throws(() => parseManifest(Buffer.from('{}'), 'application/vnd.docker.distribution.manifest.v1+prettyjws', target), { name: 'UnsupportedMediaTypeError' });
    const helm = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { ...descriptor, mediaType: 'application/vnd.cncf.helm.config.v1+json' }, layers: [] };
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify(helm)), undefined, target), { name: 'UnsupportedMediaTypeError', message: /not a container image/ });
    const badDigest = { schemaVersion: 2, config: { ...descriptor, digest: 'md5:abc' }, layers: [] };
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify(badDigest)), undefined, target), { name: 'InvalidManifestError', message: /^r\/x:latest: config has an invalid/ });
    assert.throws(() => parseManifest(Buffer.from('not json'), undefined, target), { name: 'InvalidManifestError' });
  });
});

