import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOCKERFILE_RULES } from '../../../src/rules/dockerfile/index.js';
import { K8S_RULES } from '../../../src/rules/k8s/index.js';

/** The README's rule tables are the user-facing catalogue, so they must match the code row for row. */
function readmeRows(): Map<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('\n## IaC and cluster rules\n');
  assert.ok(start >= 0, 'README has no "IaC and cluster rules" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| ((?:K8S|DF)\d{3}) \| (.*) \|$/gm)) rows.set(match[1] ?? '', `| ${match[1]} | ${match[2]} |`);
  return rows;
}

describe('README rule tables', () => {
  it('list every rule with its current severity and title, and nothing else', () => {
    const rows = readmeRows();
    const rules = [...K8S_RULES, ...DOCKERFILE_RULES];
    const expected = rules.map((r) => `| ${r.id} | ${r.severity} | ${r.title} |`);
    assert.deepEqual(rules.map((r) => rows.get(r.id) ?? `missing ${r.id}`), expected);
    assert.deepEqual([...rows.keys()].filter((id) => !rules.some((r) => r.id === id)), [], 'README lists rules that do not exist');
  });
});
