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
/** apt-get -s (--simulate, --dry-run…) only prints what it would do. */
const SIMULATE = new Set(['-s', '--simulate', '--dry-run', '--just-print', '--recon', '--no-act']);
const simulates = (p: Program) => p.args.some((a) => SIMULATE.has(a));
const aptInstall = (p: Program) => isApt(p) && p.args.includes('install') && !simulates(p);

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

/** Options of package managers that take a separate value (apt-get -o X=Y, -t release, -c file; zypper --root dir). */
const VALUE_OPTIONS = new Set(['-o', '-t', '-c', '--option', '--target-release', '--config-file', '--root', '-R', '--releasever', '--installroot']);

/** The subcommand a package manager runs (install, update, clean…): its first word that is not an option. */
function subcommand(p: Program): string | undefined {
  for (let i = 0; i < p.args.length; i++) {
    const arg = p.args[i] ?? '';
    if (VALUE_OPTIONS.has(arg)) { i++; continue; }
    if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

interface Manager {
  names: readonly string[];
  /** Subcommands that refresh the package index only. */
  refresh: readonly string[];
  /** Subcommands that install or change packages (and so leave caches behind). */
  install: readonly string[];
}

const MANAGERS: readonly Manager[] = [
  { names: ['apt-get', 'apt'], refresh: ['update'], install: ['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep', 'source', 'reinstall'] },
  { names: ['apk'], refresh: ['update'], install: ['add', 'upgrade', 'fix'] },
  { names: ['yum', 'dnf', 'microdnf'], refresh: ['makecache'], install: ['install', 'groupinstall', 'localinstall', 'reinstall', 'update', 'upgrade', 'distro-sync'] },
  { names: ['zypper'], refresh: ['refresh', 'ref'], install: ['install', 'in', 'update', 'up', 'dist-upgrade', 'dup', 'patch', 'source-install', 'si', 'remove', 'rm'] },
];

const uses = (m: Manager, subcommands: readonly string[]) => (p: Program): boolean => m.names.includes(p.name) && subcommands.includes(subcommand(p) ?? '');

/**
 * True when, after the last command matching `changes`, a command matching
 * `cleans` runs in the same RUN: a clean before the last install leaves that
 * install's cache in the layer.
 */
function cleanedAfterLast(list: readonly Program[], changes: (p: Program) => boolean, cleans: (p: Program) => boolean): boolean {
  let last = -1;
  list.forEach((p, i) => { if (changes(p)) last = i; });
  return list.slice(last + 1).some(cleans);
}

const removes = (dir: RegExp) => (p: Program): boolean => p.name === 'rm' && p.args.some((a) => dir.test(a));

const YES_FLAGS = new Set(['--yes', '--assume-yes', '--assumeyes', '--force-yes', '--no-confirm', '--non-interactive', '-qq', '-q=2', '--quiet=2']);

/** Answers "yes" without a prompt: -y and its spellings, -qq (which implies -y in apt-get), zypper -n, or `yes |` piped in. */
function assumesYes(p: Program): boolean {
  if (p.command.piped) return true;
  return p.args.some((a, i) => {
    if (YES_FLAGS.has(a)) return true;
    const short = /^-[A-Za-z]+$/.test(a);
    if (short && (a.includes('y') || (p.name === 'zypper' && a.includes('n')))) return true;
    if (p.args[i - 1] === '-o' && /Assume-?Yes=(true|1|yes)$/i.test(a)) return true;
    return /^--setopt=assumeyes=(1|true|yes)$/i.test(a);
  });
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
    references: [`${PRACTICES}#run`, 'https://github.com/gliderlabs/docker-alpine/blob/master/docs/usage.md#disabling-cache'],
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
    references: [`${PRACTICES}#run`, 'https://pip.pypa.io/en/stable/topics/caching/'],
    check: (dockerfile) =>
      runsWith(dockerfile, (p) => isPipInstall(p) && !p.args.includes('--no-cache-dir'))
        .filter(({ instruction, text }) => !/PIP_NO_CACHE_DIR=/.test(text) && !stageSetsEnv(dockerfile, instruction, 'PIP_NO_CACHE_DIR') && !hasCacheMount(instruction, /\.cache\/pip/))
        .map(({ instruction }) => ({ message: 'pip install without --no-cache-dir', instruction })),
  },
  {
    id: 'DF014',
    title: 'yum/dnf install without clean all',
    severity: 'low',
    description: 'yum, dnf and microdnf leave their metadata and package cache in the layer unless cleaned in the same RUN, after the last install: a clean that runs before an install leaves that install\'s cache behind.',
    remediation: 'End the RUN with && yum clean all (dnf clean all, microdnf clean all), after the last install.',
    references: ['https://docs.docker.com/build/building/best-practices/#run'],
    check: (dockerfile) => {
      const yum = MANAGERS[2] as Manager;
      const installs = (p: Program) => yum.names.includes(p.name) && ['install', 'groupinstall', 'localinstall', 'reinstall'].includes(subcommand(p) ?? '');
      const cleans = (p: Program) => (yum.names.includes(p.name) && subcommand(p) === 'clean' && p.args.includes('all')) || removes(/\/var\/cache\/(yum|dnf)/)(p);
      return runsWith(dockerfile, installs)
        .filter(({ instruction, text }) => !cleanedAfterLast(programs(text), installs, cleans) && !hasCacheMount(instruction, /^\/var\/cache\/(yum|dnf)/))
        .map(({ instruction, hits }) => ({ message: `${hits[0]?.name ?? 'yum'} install without ${hits[0]?.name ?? 'yum'} clean all after it`, instruction }));
    },
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
  {
    id: 'DF027',
    title: 'Package index update alone in its RUN',
    severity: 'medium',
    description: 'A RUN that only refreshes the package index (apt-get update, apk update, zypper refresh, dnf makecache) is cached as its own layer; later installs then use a stale index and miss security updates, or fail when mirrors drop old versions.',
    remediation: 'Refresh and install in the same RUN: RUN apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*.',
    references: [`${PRACTICES}#apt-get`, `${PRACTICES}#run`],
    check: (dockerfile) =>
      runInstructions(dockerfile).flatMap((instruction) => {
        const list = programs(shellText(instruction));
        return MANAGERS.flatMap((m) => {
          const first = list.findIndex(uses(m, m.refresh));
          if (first < 0 || list.slice(first + 1).some(uses(m, m.install))) return [];
          const p = list[first];
          return [{ message: `${p?.name ?? ''} ${p === undefined ? '' : subcommand(p) ?? ''} is not followed by an install in the same RUN`, instruction }];
        });
      }),
  },
  {
    id: 'DF028',
    title: 'zypper install without zypper clean',
    severity: 'low',
    description: 'zypper keeps downloaded packages and metadata under /var/cache/zypp in the layer unless cleaned in the same RUN, after the last install.',
    remediation: 'End the RUN with && zypper clean --all (or zypper cc -a).',
    references: [`${PRACTICES}#run`, 'https://en.opensuse.org/SDB:Zypper_manual'],
    check: (dockerfile) => {
      const zypper = MANAGERS[3] as Manager;
      const installs = uses(zypper, zypper.install);
      const cleans = (p: Program) => uses(zypper, ['clean', 'cc'])(p) || removes(/\/var\/cache\/zypp/)(p);
      return runsWith(dockerfile, installs)
        .filter(({ instruction, text }) => !cleanedAfterLast(programs(text), installs, cleans) && !hasCacheMount(instruction, /^\/var\/cache\/zypp/))
        .map(({ instruction }) => ({ message: 'zypper install without zypper clean after it', instruction }));
    },
  },
  {
    id: 'DF029',
    title: 'Package install without -y',
    severity: 'low',
    description: 'apt-get, yum, dnf and zypper ask for confirmation before installing; in a build nobody answers, so the install aborts or depends on the package set staying small enough not to ask.',
    remediation: 'Pass -y (apt-get install -y, dnf install -y) or zypper --non-interactive install.',
    references: [`${PRACTICES}#apt-get`, 'https://manpages.debian.org/stable/apt/apt-get.8.en.html'],
    check: (dockerfile) => {
      // A config file written earlier (APT::Get::Assume-Yes "true", assumeyes=1 in yum.conf) answers for every later install.
      const configured = runInstructions(dockerfile).some((i) => /Assume-?Yes\W+(true|1|yes)\b|assumeyes\s*=\s*(1|true|yes)\b/i.test(shellText(i)));
      if (configured) return [];
      const installs = (p: Program) =>
        ['apt-get', 'apt', 'yum', 'dnf', 'zypper'].includes(p.name) && ['install', 'in', 'groupinstall', 'localinstall', 'reinstall'].includes(subcommand(p) ?? '') && !simulates(p);
      return runsWith(dockerfile, (p) => installs(p) && !assumesYes(p))
        .map(({ instruction, hits }) => ({ message: `${hits[0]?.name ?? ''} ${hits[0] === undefined ? '' : subcommand(hits[0]) ?? ''} without -y`, instruction }));
    },
  },
];
