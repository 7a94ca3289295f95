import { shellText, type Dockerfile, type Instruction } from '../../iac/dockerfile/parse.js';
import type { DockerfileRule } from './rule.js';
import { runInstructions, stageChain } from './rule.js';
import { programs } from './shell.js';

/** Package manager hygiene: image size, reproducibility and leftover caches. */
const PRACTICES = 'https://docs.docker.com/build/building/best-practices/';

type Program = ReturnType<typeof programs>[number];

/** A BuildKit cache mount over the directory keeps the cache out of the layer, so cleaning up is unnecessary. */
function hasCacheMount(instruction: Instruction, dir: RegExp): boolean {
  const flagText = instruction.args.slice(0, instruction.args.length - instruction.rest.length);
  return [...flagText.matchAll(/--mount=(\S+)/g)].some((m) => {
    const spec = m[1] ?? '';
    if (!/(^|,)type=cache(,|$)/.test(spec)) return false;
    const target = /(?:^|,)(?:target|dst|destination)=([^,]+)/.exec(spec)?.[1] ?? '';
    return dir.test(target);
  });
}

function runsWith(dockerfile: Dockerfile, match: (p: Program) => boolean): Array<{ instruction: Instruction; text: string; hits: Program[] }> {
  return runInstructions(dockerfile).flatMap((instruction) => {
    const text = shellText(instruction);
    const hits = programs(text).filter(match);
    return hits.length === 0 ? [] : [{ instruction, text, hits }];
  });
}

const isApt = (p: Program) => p.name === 'apt-get' || p.name === 'apt';
const aptInstall = (p: Program) => isApt(p) && p.args.includes('install');

function isPipInstall(p: Program): boolean {
  if (/^pip[0-9.]*$/.test(p.name)) return p.args.includes('install');
  return /^python[0-9.]*$/.test(p.name) && p.args[0] === '-m' && p.args[1] === 'pip' && p.args.includes('install');
}

function stageSetsEnv(dockerfile: Dockerfile, instruction: Instruction, name: string): boolean {
  const stage = dockerfile.stages[instruction.stage];
  if (stage === undefined) return false;
  return stageChain(dockerfile, stage).some((s) =>
    s.instructions.some((i) => i.keyword === 'ENV' && i.startLine < instruction.startLine && new RegExp(`(^|\\s)${name}(=|\\s)`).test(i.rest)),
  );
}

export const PACKAGE_RULES: readonly DockerfileRule[] = [
  {
    id: 'DF006',
    title: 'apt-get install without --no-install-recommends',
    severity: 'low',
    description: 'Recommended packages are pulled in by default, growing the image and its attack surface with software nobody asked for.',
    remediation: 'Use apt-get install -y --no-install-recommends <packages>.',
    references: [`${PRACTICES}#apt-get`],
    check: (dockerfile) =>
      runsWith(dockerfile, aptInstall)
        .filter(({ hits }) => hits.some((p) => !p.args.includes('--no-install-recommends') && !p.args.some((a) => /APT::Install-Recommends=(false|0)/i.test(a))))
        .map(({ instruction }) => ({ message: 'apt-get install without --no-install-recommends', instruction })),
  },
  {
    id: 'DF007',
    title: 'apt lists not removed in the same RUN',
    severity: 'low',
    description: 'The package lists (/var/lib/apt/lists) stay in the layer unless removed in the same RUN, adding tens of megabytes of stale data. A cache mount over /var/lib/apt also passes.',
    remediation: 'End the RUN with && rm -rf /var/lib/apt/lists/*, or use RUN --mount=type=cache,target=/var/lib/apt.',
    references: [`${PRACTICES}#apt-get`],
    check: (dockerfile) =>
      runsWith(dockerfile, aptInstall)
        .filter(({ instruction, text }) => !/\brm\b[^;&|\n]*\/var\/lib\/apt\/lists/.test(text) && !hasCacheMount(instruction, /^\/var\/lib\/apt/))
        .map(({ instruction }) => ({ message: 'apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN', instruction })),
  },
  {
    id: 'DF008',
    title: 'apt-get upgrade in the image',
    severity: 'low',
    description: 'Upgrading every package makes the build depend on the day it runs; updates should come from a newer base image.',
    remediation: 'Rebuild on an updated base image; install specific package versions where a fix is needed.',
    references: [`${PRACTICES}#apt-get`],
    check: (dockerfile) =>
      runsWith(dockerfile, (p) => isApt(p) && p.args.some((a) => a === 'upgrade' || a === 'dist-upgrade' || a === 'full-upgrade'))
        .map(({ instruction, hits }) => ({ message: `${hits[0]?.name ?? 'apt-get'} ${hits[0]?.args.find((a) => a.endsWith('upgrade')) ?? 'upgrade'} in RUN`, instruction })),
  },
  {
    id: 'DF012',
    title: 'apk add without --no-cache',
    severity: 'low',
    description: 'apk keeps its index cache in the layer unless told not to.',
    remediation: 'Use apk add --no-cache <packages>.',
    references: ['https://github.com/gliderlabs/docker-alpine/blob/master/docs/usage.md#disabling-cache'],
    check: (dockerfile) =>
      runsWith(dockerfile, (p) => p.name === 'apk' && p.args.includes('add') && !p.args.includes('--no-cache'))
        .filter(({ instruction, text }) => !/\brm\b[^;&|\n]*\/var\/cache\/apk/.test(text) && !hasCacheMount(instruction, /^\/var\/cache\/apk/))
        .map(({ instruction }) => ({ message: 'apk add without --no-cache', instruction })),
  },
  {
    id: 'DF013',
    title: 'pip install without --no-cache-dir',
    severity: 'low',
    description: 'pip keeps downloaded wheels in ~/.cache/pip inside the layer. PIP_NO_CACHE_DIR set by ENV, or a cache mount, also passes.',
    remediation: 'Use pip install --no-cache-dir, or set ENV PIP_NO_CACHE_DIR=1.',
    references: ['https://pip.pypa.io/en/stable/topics/caching/'],
    check: (dockerfile) =>
      runsWith(dockerfile, (p) => isPipInstall(p) && !p.args.includes('--no-cache-dir'))
        .filter(({ instruction, text }) => !/PIP_NO_CACHE_DIR=/.test(text) && !stageSetsEnv(dockerfile, instruction, 'PIP_NO_CACHE_DIR') && !hasCacheMount(instruction, /\.cache\/pip/))
        .map(({ instruction }) => ({ message: 'pip install without --no-cache-dir', instruction })),
  },
  {
    id: 'DF014',
    title: 'yum/dnf install without clean all',
    severity: 'low',
    description: 'yum, dnf and microdnf leave their metadata and package cache in the layer unless cleaned in the same RUN.',
    remediation: 'End the RUN with && yum clean all (dnf clean all, microdnf clean all).',
    references: ['https://docs.docker.com/build/building/best-practices/#run'],
    check: (dockerfile) =>
      runsWith(dockerfile, (p) => ['yum', 'dnf', 'microdnf'].includes(p.name) && p.args.includes('install'))
        .filter(({ instruction, text }) =>
          !/\b(yum|dnf|microdnf)\s+clean\s+all\b/.test(text) && !/\brm\b[^;&|\n]*\/var\/cache\/(yum|dnf)/.test(text) && !hasCacheMount(instruction, /^\/var\/cache\/(yum|dnf)/))
        .map(({ instruction, hits }) => ({ message: `${hits[0]?.name ?? 'yum'} install without ${hits[0]?.name ?? 'yum'} clean all`, instruction })),
  },
  {
    id: 'DF021',
    title: 'apt used instead of apt-get',
    severity: 'low',
    description: 'apt is meant for people at a terminal; its command-line interface is not stable for scripts and it warns so.',
    remediation: 'Use apt-get (or apt-cache) in Dockerfiles.',
    references: [`${PRACTICES}#apt-get`],
    check: (dockerfile) =>
      runsWith(dockerfile, (p) => p.name === 'apt').map(({ instruction }) => ({ message: 'RUN uses apt instead of apt-get', instruction })),
  },
];
