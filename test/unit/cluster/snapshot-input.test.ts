import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterScanError, parseSnapshot } from '../../../src/cluster/index.js';
import { fixtureParts, fixtureText } from '../../support/kube/fixture.js';

const version = { major: '1', minor: '28', gitVersion: 'v1.28.4', platform: 'linux/arm64', goVersion: 'go1.20.11' };
const pod = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'a', image: 'nginx:1.25' }] } });

function invalid(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseSnapshot(text),
    (err: unknown) => err instanceof ClusterScanError && err.kind === 'invalid-input' && pattern.test(err.reason),
  );
}

describe('offline snapshot input', () => {
  it('reads the fixture: a kubectl List with a Version item', () => {
    const snapshot = parseSnapshot(fixtureText());
    assert.deepEqual(snapshot.version, { gitVersion: 'v1.27.3', major: '1', minor: '27', platform: 'linux/amd64' });
    const { objects } = fixtureParts();
    assert.equal(snapshot.pods.length, objects.filter((o) => o.kind === 'Pod').length);
    assert.equal(snapshot.nodes.length, 3);
    assert.equal(snapshot.statefulsets.length, 0);
  });

  it('reads `kubectl version -o json` followed by several Lists, concatenated', () => {
    const text = [
      JSON.stringify({ clientVersion: { gitVersion: 'v1.29.0' }, kustomizeVersion: 'v5.0.4', serverVersion: version }, null, 2),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod('b', 'p2')] }),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod('a', 'p1'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }] }),
    ].join('\n');
    const snapshot = parseSnapshot(text);
    assert.equal(snapshot.version?.gitVersion, 'v1.28.4');
    assert.equal(snapshot.version?.platform, 'linux/arm64');
    assert.deepEqual(snapshot.pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`), ['a/p1', 'b/p2'], 'sorted by namespace and name');
    assert.equal(snapshot.namespaces.length, 1);
  });

  it('reads a typed list from the raw API (items without kind) and a raw /version body', () => {
    const raw = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'p', namespace: 'a' }, spec: { containers: [] } }] };
    const snapshot = parseSnapshot(`${JSON.stringify(version)}\n${JSON.stringify(raw)}`);
    assert.equal(snapshot.pods[0]?.kind, 'Pod');
    assert.equal(snapshot.pods[0]?.apiVersion, 'v1');
    assert.equal(snapshot.version?.minor, '28');
  });

  it('reads the {version, items} wrapper, a JSON array, and single objects', () => {
    assert.equal(parseSnapshot(JSON.stringify({ version, items: [pod('a', 'p')] })).version?.gitVersion, 'v1.28.4');
    assert.equal(parseSnapshot(JSON.stringify([pod('a', 'p'), pod('a', 'q')])).pods.length, 2);
    const single = parseSnapshot(JSON.stringify(pod('a', 'p')));
    assert.equal(single.pods.length, 1);
    assert.equal(single.version, null);
  });

  it('drops kinds a scan does not read, Secrets included, and duplicates', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' }, data: { password: 'aHVudGVyMg==' } };
    const snapshot = parseSnapshot(JSON.stringify({ kind: 'List', items: [secret, pod('a', 'p'), pod('a', 'p')] }));
    assert.equal(snapshot.pods.length, 1);
    assert.ok(!JSON.stringify(snapshot).includes('aHVudGVyMg=='));
  });

  it('rejects what is not a snapshot as invalid input', () => {
    invalid('', /empty/);
    invalid('{"kind": "List", "items": [', /not JSON/);
    invalid('{"kind": "List", "items": [}', /not JSON|unbalanced/);
    invalid('"just a string"', /not JSON/);
    invalid('{"hello": "world"}', /neither a List/);
    invalid(JSON.stringify({ kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: {} }] }), /Pod without metadata.name/);
    invalid(JSON.stringify({ kind: 'List', items: [42] }), /expected an object/);
    invalid(JSON.stringify({ serverVersion: { major: '1' } }), /version without gitVersion/);
  });

  it('accepts the same bytes as a Buffer', () => {
    assert.deepEqual(parseSnapshot(Buffer.from(fixtureText())), parseSnapshot(fixtureText()));
  });
});
