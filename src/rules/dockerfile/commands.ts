import { shellText } from '../../iac/dockerfile/parse.js';
import type { DockerfileRule } from './rule.js';
import { runInstructions } from './rule.js';
import { programs } from './shell.js';

/** Checks on individual commands in RUN: sudo, cd, world-writable permissions, download tools. */

/**
 * An octal mode granting write to others, or a symbolic mode adding it (o+w,
 * a+w). Sticky-bit modes (1777) are left alone: that is the standard for
 * shared temporary directories, where others cannot delete each other's files.
 */
function worldWritable(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) {
    const special = mode.length === 4 ? Number(mode[0]) : 0;
    return (special & 1) === 0 && [2, 3, 6, 7].includes(Number(mode[mode.length - 1]));
  }
  return mode.split(',').some((clause) => /^[ugoa]*[oa][ugoa]*\+[rwxXst]*w/.test(clause));
}

export const COMMAND_RULES: readonly DockerfileRule[] = [
  {
    id: 'DF009',
    title: 'sudo used in RUN',
    severity: 'medium',
    description: 'Build steps already run as the current USER; sudo in an image hints at a privileged setup and leaves sudo (and its TTY and signal quirks) in the image.',
    remediation: 'Switch with USER root for the steps that need it, then back to the unprivileged user; use gosu or su-exec at runtime.',
    references: ['https://docs.docker.com/build/building/best-practices/#user'],
    check: (dockerfile) =>
      runInstructions(dockerfile)
        .filter((i) => programs(shellText(i)).some((p) => p.wrappers.includes('sudo')))
        .map((i) => ({ message: 'RUN uses sudo', instruction: i })),
  },
  {
    id: 'DF016',
    title: 'cd in RUN instead of WORKDIR',
    severity: 'info',
    description: 'A cd only lasts for its RUN; WORKDIR makes the directory explicit for every later step and is easier to follow.',
    remediation: 'Use WORKDIR /path before the RUN.',
    references: ['https://docs.docker.com/build/building/best-practices/#workdir'],
    check: (dockerfile) =>
      runInstructions(dockerfile)
        .filter((i) => programs(shellText(i)).some((p) => p.name === 'cd'))
        .map((i) => ({ message: 'RUN changes directory with cd', instruction: i })),
  },
  {
    id: 'DF018',
    title: 'chmod makes files world-writable',
    severity: 'medium',
    description: 'chmod 777 (or o+w) lets any user in the container change the files, e.g. replace binaries or scripts that root runs later.',
    remediation: 'Grant write access only to the owner (e.g. 755/644) and chown the files to the user that needs them.',
    references: ['https://docs.docker.com/reference/dockerfile/#copy---chown---chmod', 'https://cwe.mitre.org/data/definitions/732.html'],
    check: (dockerfile) =>
      runInstructions(dockerfile).flatMap((i) => {
        const modes = programs(shellText(i))
          .filter((p) => p.name === 'chmod')
          .flatMap((p) => p.args.filter((a) => !a.startsWith('-')).slice(0, 1))
          .filter(worldWritable);
        return modes.length === 0 ? [] : [{ message: `chmod ${modes.join(', ')} makes files world-writable`, instruction: i }];
      }),
  },
  {
    id: 'DF026',
    title: 'Both wget and curl used in a stage',
    severity: 'low',
    description: 'Using both download tools means both stay installed in the image: two sets of TLS and protocol code to patch where one would do.',
    remediation: 'Pick one of curl or wget for every download in the stage and remove the other.',
    references: ['https://docs.docker.com/build/building/best-practices/#dont-install-unnecessary-packages'],
    check: (dockerfile) =>
      dockerfile.stages.flatMap((stage) => {
        const firstUse = (tool: string) => stage.instructions.find((i) => i.keyword === 'RUN' && programs(shellText(i)).some((p) => p.name === tool));
        const curl = firstUse('curl');
        const wget = firstUse('wget');
        if (curl === undefined || wget === undefined) return [];
        const later = curl.startLine > wget.startLine ? curl : wget;
        return [{ message: `the stage downloads with curl (line ${curl.startLine}) and with wget (line ${wget.startLine})`, instruction: later }];
      }),
  },
];
