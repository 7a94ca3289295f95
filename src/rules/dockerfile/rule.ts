import type { Dockerfile, Instruction, Stage } from '../../iac/dockerfile/parse.js';
import type { RuleMeta } from '../types.js';

/** One problem a rule found; results cover the instruction's lines. Stage-wide problems point at the stage's FROM. */
export interface DockerfileHit {
  message: string;
  instruction: Instruction;
}

export interface DockerfileRule extends RuleMeta {
  check(dockerfile: Dockerfile): DockerfileHit[];
}

/** The stage and the earlier stages it builds on (FROM <stage name>), nearest first. */
export function stageChain(dockerfile: Dockerfile, stage: Stage): Stage[] {
  const chain: Stage[] = [stage];
  let current = stage;
  for (;;) {
    const image = current.image.toLowerCase();
    const parent = dockerfile.stages.find((s) => s.index < current.index && s.name === image);
    if (parent === undefined || chain.includes(parent)) return chain;
    chain.push(parent);
    current = parent;
  }
}

export function finalStage(dockerfile: Dockerfile): Stage {
  const stage = dockerfile.stages[dockerfile.stages.length - 1];
  if (stage === undefined) throw new Error('a parsed Dockerfile always has a stage');
  return stage;
}

const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Expands $VAR, ${VAR} and ${VAR:-default} as Docker does when a build argument is not given: unknown or empty variables become empty; `unset` names them. */
export function expandArgs(text: string, values: Record<string, string>): { expanded: string; unset: string[] } {
  const unset: string[] = [];
  const expanded = text.replace(VARIABLE, (_, braced?: string, fallback?: string, bare?: string) => {
    const value = values[braced ?? bare ?? ''];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    unset.push(braced ?? bare ?? '');
    return '';
  });
  return { expanded, unset };
}

export function runInstructions(dockerfile: Dockerfile): Instruction[] {
  return dockerfile.instructions.filter((i) => i.keyword === 'RUN');
}
