import { COMMAND_RULES } from './commands.js';
import { INSTRUCTION_RULES } from './instructions.js';
import { PACKAGE_RULES } from './packages.js';
import type { DockerfileRule } from './rule.js';
import { SECRET_RULES } from './secrets.js';
import { SOURCE_RULES } from './sources.js';
import { STAGE_RULES } from './stage.js';

export type { DockerfileHit, DockerfileRule } from './rule.js';

export const DOCKERFILE_RULES: readonly DockerfileRule[] = [...STAGE_RULES, ...INSTRUCTION_RULES, ...SOURCE_RULES, ...SECRET_RULES, ...PACKAGE_RULES, ...COMMAND_RULES].sort((a, b) =>
  a.id.localeCompare(b.id),
);
