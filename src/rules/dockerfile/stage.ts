import { floatingTagReason } from '../image-ref.js';
import type { DockerfileHit, DockerfileRule } from './rule.js';
import { expandArgs, finalStage, stageChain } from './rule.js';

/** Checks on how stages are built and what the final image runs as. */
const DOCKER_REF = 'https://docs.docker.com/reference/dockerfile/';

function isRootUser(user: string): boolean {
  const name = user.split(':')[0]?.trim() ?? '';
  return name === 'root' || name === '0';
}

export const STAGE_RULES: readonly DockerfileRule[] = [
  {
    id: 'DF001',
    title: 'Image runs as root',
    severity: 'high',
    description: 'When the final stage sets no USER, or its last USER is root, the container runs as root unless the orchestrator overrides it; a compromise of the process then owns the container.',
    remediation: 'Create an unprivileged user and end the final stage with USER <name or uid>.',
    references: [`${DOCKER_REF}#user`],
    check: (dockerfile) => {
      const stage = finalStage(dockerfile);
      const users = stageChain(dockerfile, stage).flatMap((s) => s.instructions.filter((i) => i.keyword === 'USER').reverse());
      const last = users[0];
      if (last === undefined) return [{ message: 'the final stage sets no USER, so it runs as the base image user (usually root)', instruction: stage.from }];
      return isRootUser(last.rest) ? [{ message: `the last USER is ${last.rest}`, instruction: last }] : [];
    },
  },
  {
    id: 'DF002',
    title: 'Base image uses the latest tag or no tag',
    severity: 'medium',
    description: 'A floating base image makes builds unreproducible and pulls in unreviewed changes. A tag given by a build argument without a default (FROM image:${TAG}) floats too, since the build uses whatever is passed, or no tag. scratch, earlier stages and images given entirely by a build argument are not reported.',
    remediation: 'Pin the base image to a version tag, or better to a digest (image:tag@sha256:…); give a build argument used in FROM a pinned default (ARG TAG=1.2.3).',
    references: [`${DOCKER_REF}#from`, `${DOCKER_REF}#understand-how-arg-and-from-interact`],
    check: (dockerfile) =>
      dockerfile.stages.flatMap((stage) => {
        const { expanded, unset } = expandArgs(stage.image, dockerfile.globalArgs);
        const image = expanded.replace(/[:@]$/, '');
        // The whole repository comes from a build argument: nothing is known about the image.
        if (image === '' || /^[:@]/.test(image)) return [];
        if (image.toLowerCase() === 'scratch') return [];
        if (dockerfile.stages.some((s) => s.index < stage.index && s.name === image.toLowerCase())) return [];
        const reason = floatingTagReason(image);
        if (reason === undefined) return [];
        const because = unset.length === 0 ? '' : ` (build argument ${[...new Set(unset)].join(', ')} has no default)`;
        return [{ message: `base ${reason}${because}`, instruction: stage.from }];
      }),
  },
  {
    id: 'DF010',
    title: 'SSH port 22 exposed',
    severity: 'medium',
    description: 'Running an SSH server in a container adds an attack surface and a second way in; use docker exec / kubectl exec instead.',
    remediation: 'Remove port 22 from EXPOSE and do not run sshd in the image.',
    references: [`${DOCKER_REF}#expose`],
    check: (dockerfile) =>
      dockerfile.instructions
        .filter((i) => i.keyword === 'EXPOSE')
        .filter((i) =>
          i.rest.split(/\s+/).some((spec) => {
            const range = /^(\d+)(?:-(\d+))?(?:\/\w+)?$/.exec(spec);
            if (range === null) return false;
            const from = Number(range[1]);
            const to = range[2] === undefined ? from : Number(range[2]);
            return from <= 22 && 22 <= to;
          }),
        )
        .map((i) => ({ message: `EXPOSE ${i.rest} includes port 22`, instruction: i })),
  },
  {
    id: 'DF011',
    title: 'No HEALTHCHECK',
    severity: 'low',
    description: 'Without a HEALTHCHECK the engine cannot tell a hung container from a healthy one. HEALTHCHECK NONE counts as a deliberate choice.',
    remediation: 'Add HEALTHCHECK CMD <command> to the final stage (or HEALTHCHECK NONE when the orchestrator probes instead).',
    references: [`${DOCKER_REF}#healthcheck`],
    check: (dockerfile) => {
      const stage = finalStage(dockerfile);
      const has = stageChain(dockerfile, stage).some((s) => s.instructions.some((i) => i.keyword === 'HEALTHCHECK'));
      return has ? [] : [{ message: 'the final stage has no HEALTHCHECK', instruction: stage.from }];
    },
  },
  {
    id: 'DF015',
    title: 'MAINTAINER is deprecated',
    severity: 'info',
    description: 'MAINTAINER was deprecated in favour of labels that tools can read.',
    remediation: 'Use LABEL org.opencontainers.image.authors="…" instead.',
    references: [`${DOCKER_REF}#maintainer-deprecated`],
    check: (dockerfile) =>
      dockerfile.instructions.filter((i) => i.keyword === 'MAINTAINER').map((i) => ({ message: 'MAINTAINER is deprecated', instruction: i })),
  },
  {
    id: 'DF019',
    title: 'WORKDIR with a relative path',
    severity: 'low',
    description: 'A relative WORKDIR depends on every earlier WORKDIR, including the base image\'s, so the directory is easy to get wrong.',
    remediation: 'Use an absolute path in WORKDIR.',
    references: [`${DOCKER_REF}#workdir`],
    check: (dockerfile) =>
      dockerfile.instructions
        .filter((i) => i.keyword === 'WORKDIR')
        .filter((i) => {
          const dir = i.rest.replace(/^(["'])(.*)\1$/, '$2');
          return !/^(\/|\$|[A-Za-z]:[\\/]|\\)/.test(dir);
        })
        .map((i) => ({ message: `WORKDIR ${i.rest} is relative`, instruction: i })),
  },
  {
    id: 'DF020',
    title: 'More than one CMD or ENTRYPOINT in a stage',
    severity: 'low',
    description: 'Only the last CMD and the last ENTRYPOINT of a stage take effect; earlier ones are dead code that misleads readers.',
    remediation: 'Keep a single CMD and a single ENTRYPOINT per stage.',
    references: [`${DOCKER_REF}#cmd`],
    check: (dockerfile) =>
      dockerfile.stages.flatMap((stage) =>
        ['CMD', 'ENTRYPOINT'].flatMap((keyword) => {
          const all = stage.instructions.filter((i) => i.keyword === keyword);
          return all.slice(0, -1).map((i): DockerfileHit => ({ message: `this ${keyword} is overridden by the one on line ${all[all.length - 1]?.startLine ?? '?'}`, instruction: i }));
        }),
      ),
  },
];
