import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKERFILE_RULES } from '../../../src/rules/dockerfile/index.js';
import { K8S_RULES } from '../../../src/rules/k8s/index.js';
import { RBAC_RULES } from '../../../src/rules/rbac/index.js';
import { RULE_SEVERITIES } from '../../../src/rules/types.js';
import { scanIacFile, type IacFileType } from '../../../src/iac/scan-file.js';

const FIXTURES = 'test/fixtures/iac';

const rules: Array<{ id: string; type: IacFileType; ext: string }> = [
  ...[...K8S_RULES, ...RBAC_RULES].map((r) => ({ id: r.id, type: 'k8s_yaml' as const, ext: 'yaml' })),
  ...DOCKERFILE_RULES.map((r) => ({ id: r.id, type: 'dockerfile' as const, ext: 'Dockerfile' })),
];

function scan(type: IacFileType, path: string) {
  const scanned = scanIacFile({ name: path, type, content: readFileSync(path, 'utf8') });
  assert.equal(scanned.status, 'success', scanned.status === 'failed' ? scanned.reason : '');
  return scanned.status === 'success' ? scanned.results : [];
}

describe('rule catalogue', () => {
  it('has at least 40 rules with unique ids and complete metadata', () => {
    const all = [...K8S_RULES, ...RBAC_RULES, ...DOCKERFILE_RULES];
    assert.ok(all.length >= 40, `only ${all.length} rules`);
    assert.equal(new Set(all.map((r) => r.id)).size, all.length);
    for (const r of all) {
      assert.match(r.id, /^(K8S|RBAC|DF)\d{3}$/);
      assert.ok(RULE_SEVERITIES.includes(r.severity), r.id);
      for (const field of [r.title, r.description, r.remediation]) assert.ok(field.length > 10, `${r.id}: ${field}`);
      assert.ok(r.references.length > 0 && r.references.every((u) => u.startsWith('https://')), r.id);
    }
  });
});

describe('every rule has a failing and a passing fixture', () => {
  for (const { id, type, ext } of rules) {
    it(id, () => {
      const fail = join(FIXTURES, id, `fail.${ext}`);
      const pass = join(FIXTURES, id, `pass.${ext}`);
      assert.ok(existsSync(fail), `missing ${fail}`);
      assert.ok(existsSync(pass), `missing ${pass}`);
      const failed = scan(type, fail).filter((r) => r.rule.id === id);
      assert.ok(failed.length > 0, `${fail} does not trigger ${id}`);
      for (const r of failed) {
        assert.equal(r.status, 'failed');
        assert.equal(r.suppressed, undefined);
        assert.ok((r.startLine ?? 0) >= 1 && (r.endLine ?? 0) >= (r.startLine ?? 0), `${id}: bad lines ${r.startLine}-${r.endLine}`);
      }
      const passed = scan(type, pass).filter((r) => r.rule.id === id);
      assert.deepEqual(passed.map((r) => `${r.startLine}: ${r.message}`), [], `${pass} triggers ${id}`);
    });
  }
});

describe('hardened examples', () => {
  it('a hardened Deployment passes every Kubernetes rule', () => {
    assert.deepEqual(scan('k8s_yaml', join(FIXTURES, 'hardened.yaml')).map((r) => `${r.rule.id}: ${r.message}`), []);
  });
  it('a hardened Dockerfile passes every Dockerfile rule', () => {
    assert.deepEqual(scan('dockerfile', join(FIXTURES, 'hardened.Dockerfile')).map((r) => `${r.rule.id}: ${r.message}`), []);
  });
});
