import type { Instruction } from '../../iac/dockerfile/parse.js';
import { plainSecretReason } from '../secrets.js';
import type { DockerfileRule } from './rule.js';

/** Secrets in ENV or ARG end up in the image config or build history, readable by anyone who pulls the image. */

/** The name=value pairs of ENV and ARG, in both ENV forms (ENV A=1 B="2" and the legacy ENV A 1). */
export function assignments(instruction: Instruction): Array<[string, string]> {
  const text = instruction.rest.trim();
  if (instruction.keyword === 'ENV' && /^[A-Za-z_][A-Za-z0-9_.-]*\s/.test(text) && !/^[^\s=]+=/.test(text)) {
    const [, name = '', value = ''] = /^(\S+)\s+([\s\S]*)$/.exec(text) ?? [];
    return [[name, value]];
  }
  const out: Array<[string, string]> = [];
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_.-]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    if (m[2] !== undefined) out.push([m[1] ?? '', m[2].replace(/^(["'])([\s\S]*)\1$/, '$2')]);
  }
  return out;
}

export const SECRET_RULES: readonly DockerfileRule[] = [
  {
    id: 'DF005',
    title: 'Secret in ENV or ARG',
    severity: 'high',
    description: 'ENV values are stored in the image configuration and ARG values in the build history; a password, token or key set there is readable by anyone who can pull the image.',
    remediation: 'Pass secrets at build time with RUN --mount=type=secret, and at run time through the orchestrator\'s secret store.',
    references: ['https://docs.docker.com/build/building/secrets/'],
    check: (dockerfile) =>
      dockerfile.instructions
        .filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')
        .flatMap((i) =>
          assignments(i).flatMap(([name, value]) => {
            const reason = plainSecretReason(name, value);
            return reason === undefined ? [] : [{ message: `${i.keyword} ${reason}`, instruction: i }];
          }),
        ),
  },
];
