import { instructionWords, shellText, type Instruction } from '../../iac/dockerfile/parse.js';
import type { DockerfileRule } from './rule.js';
import { runInstructions } from './rule.js';
import { program, splitCommands } from './shell.js';

/** Checks on where build content comes from: remote downloads, ADD versus COPY, piping scripts into a shell. */
const DOCKER_REF = 'https://docs.docker.com/reference/dockerfile/';
const REMOTE = /^(https?|ftp):\/\//i;
const GIT = /^(git@|git:\/\/)|\.git(#.*)?$/i;
/** ADD unpacks local archives, the one thing COPY cannot do. */
const ARCHIVE = /\.(tar|tar\.(gz|bz2|xz|zst)|tgz|tbz2?|txz|tzst)$/i;
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ash', 'ksh']);
const FETCHERS = new Set(['curl', 'wget']);

/** The sources of ADD or COPY: every word but the destination, quotes removed, heredocs left out. */
export function copySources(instruction: Instruction): string[] {
  return instructionWords(instruction).slice(0, -1).filter((w) => !w.startsWith('<<'));
}

function pipesIntoShell(text: string): boolean {
  let fetching = false;
  for (const command of splitCommands(text)) {
    const name = program(command)?.name;
    if (!command.piped) fetching = false;
    if (command.piped && fetching && name !== undefined && SHELLS.has(name)) return true;
    if (name !== undefined && FETCHERS.has(name)) fetching = true;
  }
  return /\b(ba|z|da|k|a)?sh\b[^\n]*(\$\(|<\(|`)\s*(curl|wget)\b/.test(text);
}

export const SOURCE_RULES: readonly DockerfileRule[] = [
  {
    id: 'DF003',
    title: 'ADD downloads a remote URL',
    severity: 'medium',
    description: 'ADD <url> fetches content at build time without verifying it. ADD with --checksum is accepted, since BuildKit then verifies the download.',
    remediation: 'Download with curl/wget in a RUN and verify a checksum or signature, or use ADD --checksum=sha256:….',
    references: [`${DOCKER_REF}#add`],
    check: (dockerfile) =>
      dockerfile.instructions
        .filter((i) => i.keyword === 'ADD' && i.flags.checksum === undefined)
        .flatMap((i) => {
          const remote = copySources(i).filter((s) => REMOTE.test(s) || GIT.test(s));
          return remote.length === 0 ? [] : [{ message: `ADD fetches ${remote.join(', ')} without a checksum`, instruction: i }];
        }),
  },
  {
    id: 'DF004',
    title: 'Script downloaded and piped into a shell',
    severity: 'high',
    description: 'curl … | sh runs whatever the server returns at build time, unverified; a compromised or spoofed server owns the image.',
    remediation: 'Download the script to a file, verify its checksum or signature, then run it.',
    references: ['https://docs.docker.com/build/building/best-practices/#run'],
    check: (dockerfile) =>
      runInstructions(dockerfile)
        .filter((i) => pipesIntoShell(shellText(i)))
        .map((i) => ({ message: 'a downloaded script is piped straight into a shell', instruction: i })),
  },
  {
    id: 'DF017',
    title: 'ADD used for local files',
    severity: 'low',
    description: 'ADD has surprising extra behaviour (URL fetching, archive extraction); for plain local files COPY is explicit and safer. Local archives, which ADD extracts, are not reported.',
    remediation: 'Use COPY for local files and directories.',
    references: ['https://docs.docker.com/build/building/best-practices/#add-or-copy'],
    check: (dockerfile) =>
      dockerfile.instructions
        .filter((i) => i.keyword === 'ADD')
        .flatMap((i) => {
          const local = copySources(i).filter((s) => !REMOTE.test(s) && !GIT.test(s) && !ARCHIVE.test(s));
          return local.length === 0 ? [] : [{ message: `ADD copies local ${local.join(', ')}; COPY fits`, instruction: i }];
        }),
  },
];
