import { DOCKERFILE_RULES, type DockerfileRule } from '../../rules/dockerfile/index.js';
import { ruleMeta } from '../../rules/k8s/index.js';
import { mergeSuppressions, parseIgnoreComment, type Suppressions } from '../../rules/suppressions.js';
import type { RuleResult } from '../../rules/types.js';
import { parseDockerfile, type Dockerfile, type Instruction } from './parse.js';

/**
 * Runs the Dockerfile rules over one file. `# openhss:ignore ID reason: …`
 * in the comment block right above an instruction suppresses it for that
 * instruction; above the first instruction, for the whole file (stage-wide
 * findings point at FROM, so a comment above a FROM covers its stage).
 */
function suppressionsFor(dockerfile: Dockerfile): { file: Suppressions; at: (i: Instruction) => Suppressions } {
  const byLine = new Map(dockerfile.comments.map((c) => [c.line, c.text]));
  const above = (line: number): Suppressions => {
    const found: Suppressions[] = [];
    for (let l = line - 1; byLine.has(l); l--) found.push(parseIgnoreComment(byLine.get(l) ?? '') ?? new Map());
    return mergeSuppressions(...found);
  };
  const first = dockerfile.instructions[0];
  const file = mergeSuppressions(
    ...dockerfile.comments.filter((c) => first === undefined || c.line < first.startLine).map((c) => parseIgnoreComment(c.text)),
  );
  return { file, at: (i) => (i === first ? new Map() : above(i.startLine)) };
}

export function scanDockerfile(file: string, content: string, rules: readonly DockerfileRule[] = DOCKERFILE_RULES): RuleResult[] {
  const dockerfile = parseDockerfile(content);
  const suppressions = suppressionsFor(dockerfile);
  const results: RuleResult[] = [];
  for (const rule of rules) {
    for (const hit of rule.check(dockerfile)) {
      const result: RuleResult = {
        rule: ruleMeta(rule),
        status: 'failed',
        message: hit.message,
        file,
        startLine: hit.instruction.startLine,
        endLine: hit.instruction.endLine,
      };
      const reason = suppressions.at(hit.instruction).get(rule.id) ?? suppressions.file.get(rule.id);
      if (reason !== undefined) result.suppressed = { reason };
      results.push(result);
    }
  }
  return results.sort((a, b) => (a.startLine ?? 0) - (b.startLine ?? 0) || a.rule.id.localeCompare(b.rule.id));
}
