import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOCKERFILE_RULES } from '../../../src/rules/dockerfile/index.js';
import { K8S_RULES } from '../../../src/rules/k8s/index.js';
import { RBAC_RULES } from '../../../src/rules/rbac/index.js';
import type { RuleMeta } from '../../../src/rules/types.js';

/**
 * The README's rule tables are the user-facing catalogue, so they must match the code row for row.
 * A table whose header has a "reference" column lists each rule's first reference as a link.
 */
function readmeRows(): Map<string, { row: string; withReference: boolean }> {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('\n## IaC and cluster rules\n');
  assert.ok(start >= 0, 'README has no "IaC and cluster rules" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows = new Map<string, { row: string; withReference: boolean }>();
  let withReference = false;
  for (const line of section.split('\n')) {
    if (/^\| id \|/.test(line)) withReference = /\| reference \|$/.test(line);
    const match = /^\| ((?:K8S|RBAC|DF)\d{3}) \| (.*) \|$/.exec(line);
    if (match !== null) rows.set(match[1] ?? '', { row: line, withReference });
  }
  return rows;
}

const expectedRow = (r: RuleMeta, withReference: boolean): string =>
  withReference ? `| ${r.id} | ${r.severity} | ${r.title} | <${r.references[0] ?? ''}> |` : `| ${r.id} | ${r.severity} | ${r.title} |`;

describe('README rule tables', () => {
  it('list every rule with its current severity and title, and nothing else', () => {
    const rows = readmeRows();
    const rules = [...K8S_RULES, ...RBAC_RULES, ...DOCKERFILE_RULES];
    assert.deepEqual(rules.map((r) => rows.get(r.id)?.row ?? `missing ${r.id}`), rules.map((r) => expectedRow(r, rows.get(r.id)?.withReference ?? false)));
    assert.deepEqual([...rows.keys()].filter((id) => !rules.some((r) => r.id === id)), [], 'README lists rules that do not exist');
  });

  it('list every Dockerfile rule with the Docker documentation it enforces', () => {
    const rows = readmeRows();
    for (const r of DOCKERFILE_RULES) {
      assert.ok(rows.get(r.id)?.withReference, `${r.id} is listed without its reference`);
      assert.match(r.references[0] ?? '', /^https:\/\/docs\.docker\.com\//, `${r.id}: the first reference is not Docker documentation`);
    }
  });

  it('list every Kubernetes and RBAC rule with the Kubernetes documentation it enforces', () => {
    const rows = readmeRows();
    for (const r of [...K8S_RULES, ...RBAC_RULES]) {
      assert.ok(rows.get(r.id)?.withReference, `${r.id} is listed without its reference`);
      assert.match(r.references[0] ?? '', /^https:\/\/kubernetes\.io\/docs\//, `${r.id}: the first reference is not Kubernetes documentation`);
    }
  });
});
