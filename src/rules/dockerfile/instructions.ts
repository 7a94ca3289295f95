import { instructionWords, type Instruction } from '../../iac/dockerfile/parse.js';
import type { DockerfileHit, DockerfileRule } from './rule.js';

/**
 * Checks on the shape of single instructions and stage names: mistakes that
 * BuildKit rejects or that leave dead or misleading instructions.
 */
const DOCKER_REF = 'https://docs.docker.com/reference/dockerfile/';
/** Kernel and boot directories a WORKDIR must not point into. */
const SYSTEM_DIRS = ['/proc', '/sys', '/dev', '/boot', '/initrd', '/lost+found'];

function ofKeyword(instructions: readonly Instruction[], ...keywords: string[]): Instruction[] {
  return instructions.filter((i) => keywords.includes(i.keyword));
}

/** Numbers of an EXPOSE spec (80, 80/tcp, 8000-8100/udp); undefined when it uses a variable or is not a port spec. */
function exposedPorts(spec: string): number[] | undefined {
  const match = /^(\d+)(?:-(\d+))?(?:\/[A-Za-z]+)?$/.exec(spec);
  if (match === null) return undefined;
  return [Number(match[1]), ...(match[2] === undefined ? [] : [Number(match[2])])];
}

export const INSTRUCTION_RULES: readonly DockerfileRule[] = [
  {
    id: 'DF022',
    title: 'COPY --from names its own stage',
    severity: 'medium',
    description: 'A stage cannot copy from itself: COPY --from=<name> must name an earlier stage or an image. BuildKit fails the build with a circular dependency.',
    remediation: 'Point --from at the earlier stage that produces the files, or copy from the build context without --from.',
    references: [`${DOCKER_REF}#copy---from`, 'https://docs.docker.com/build/building/multi-stage/'],
    check: (dockerfile) =>
      dockerfile.stages.flatMap((stage) =>
        ofKeyword(stage.instructions, 'COPY', 'ADD')
          .filter((i) => {
            const from = i.flags.from?.toLowerCase();
            return from !== undefined && (from === stage.name || from === String(stage.index));
          })
          .map((i) => ({ message: `${i.keyword} --from=${i.flags.from ?? ''} names the stage it is in`, instruction: i })),
      ),
  },
  {
    id: 'DF023',
    title: 'EXPOSE port out of range',
    severity: 'medium',
    description: 'Ports run from 1 to 65535; an EXPOSE outside that range is a typo that the engine rejects when the container starts or publishes ports.',
    remediation: 'Fix the port number in EXPOSE (1-65535).',
    references: [`${DOCKER_REF}#expose`],
    check: (dockerfile) =>
      ofKeyword(dockerfile.instructions, 'EXPOSE').flatMap((i) => {
        const bad = instructionWords(i).filter((spec) => exposedPorts(spec)?.some((p) => p < 1 || p > 65535) ?? false);
        return bad.length === 0 ? [] : [{ message: `EXPOSE ${bad.join(', ')} is outside 1-65535`, instruction: i }];
      }),
  },
  {
    id: 'DF024',
    title: 'COPY of several sources to a destination without a trailing slash',
    severity: 'medium',
    description: 'With more than one source, the destination must be a directory written with a trailing slash; otherwise the build fails, or a single file lands where a directory was meant.',
    remediation: 'End the destination with / (COPY a b /app/).',
    references: [`${DOCKER_REF}#copy`, `${DOCKER_REF}#add`],
    check: (dockerfile) =>
      ofKeyword(dockerfile.instructions, 'COPY', 'ADD').flatMap((i) => {
        const words = instructionWords(i);
        const dest = words[words.length - 1] ?? '';
        // BuildKit reads "." as a directory; a variable may hold a trailing slash.
        if (words.length <= 2 || dest.endsWith('/') || dest === '.' || dest.includes('$')) return [];
        return [{ message: `${i.keyword} has ${words.length - 1} sources but its destination ${dest} does not end with /`, instruction: i }];
      }),
  },
  {
    id: 'DF025',
    title: 'Two stages with the same name',
    severity: 'medium',
    description: 'Stage names must be unique: COPY --from and FROM <name> could only refer to one of them, and BuildKit rejects the file.',
    remediation: 'Give every stage its own AS name.',
    references: [`${DOCKER_REF}#from`, 'https://docs.docker.com/build/building/multi-stage/#name-your-build-stages'],
    check: (dockerfile) =>
      dockerfile.stages.flatMap((stage) => {
        const first = dockerfile.stages.find((s) => s.name !== undefined && s.name === stage.name);
        return first === undefined || first === stage ? [] : [{ message: `stage name ${stage.name ?? ''} is already used on line ${first.from.startLine}`, instruction: stage.from }];
      }),
  },
  {
    id: 'DF030',
    title: 'More than one HEALTHCHECK in a stage',
    severity: 'low',
    description: 'Only the last HEALTHCHECK of a stage takes effect; earlier ones are dead code that misleads readers.',
    remediation: 'Keep a single HEALTHCHECK per stage.',
    references: [`${DOCKER_REF}#healthcheck`],
    check: (dockerfile) =>
      dockerfile.stages.flatMap((stage) => {
        const all = ofKeyword(stage.instructions, 'HEALTHCHECK');
        return all.slice(0, -1).map((i): DockerfileHit => ({ message: `this HEALTHCHECK is overridden by the one on line ${all[all.length - 1]?.startLine ?? '?'}`, instruction: i }));
      }),
  },
  {
    id: 'DF031',
    title: 'WORKDIR in a system directory',
    severity: 'medium',
    description: 'Kernel and boot directories (/proc, /sys, /dev, /boot) are mounted or managed by the runtime; files written there at build time are hidden at run time, and working in them invites writes into kernel interfaces.',
    remediation: 'Use an application directory such as /app or /srv as WORKDIR.',
    references: [`${DOCKER_REF}#workdir`],
    check: (dockerfile) =>
      ofKeyword(dockerfile.instructions, 'WORKDIR').flatMap((i) => {
        const dir = i.rest.trim().replace(/^(["'])(.*)\1$/, '$2').replace(/\/+$/, '') || '/';
        const system = SYSTEM_DIRS.find((d) => dir === d || dir.startsWith(`${d}/`));
        return system === undefined ? [] : [{ message: `WORKDIR ${dir} is inside ${system}`, instruction: i }];
      }),
  },
];
