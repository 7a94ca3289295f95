import { IacParseError } from '../text.js';

/**
 * A Dockerfile parser that keeps 1-based line ranges per instruction, so
 * rule results point at the lines to fix. It follows BuildKit's reading
 * rules: parser directives only at the very top, `# escape=` choosing the
 * continuation character, comment and blank lines dropped inside continued
 * instructions, and heredoc bodies (`RUN <<EOF`) belonging to their
 * instruction.
 */
export interface Heredoc {
  delimiter: string;
  body: string;
}

export interface Instruction {
  /** Upper-case keyword, e.g. RUN. For ONBUILD, the wrapped instruction is in `args`. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** Leading --name=value (or --name) options of ADD, COPY, RUN, FROM, HEALTHCHECK. */
  flags: Record<string, string>;
  /** `args` without the leading flags. */
  rest: string;
  heredocs: Heredoc[];
  startLine: number;
  endLine: number;
  /** Index into Dockerfile.stages; -1 for ARGs before the first FROM. */
  stage: number;
}

export interface Stage {
  index: number;
  /** The `AS name`, lower-cased as BuildKit compares it. */
  name?: string;
  /** The image as written (variables not expanded). */
  image: string;
  from: Instruction;
  instructions: Instruction[];
}

export interface Comment {
  line: number;
  text: string;
}

export interface Dockerfile {
  instructions: Instruction[];
  stages: Stage[];
  directives: Record<string, string>;
  comments: Comment[];
  /** ARG defaults declared before the first FROM, usable in FROM lines. */
  globalArgs: Record<string, string>;
}

/** Kept as its own name so callers can tell Dockerfile syntax errors apart. */
export class DockerfileParseError extends IacParseError {}

const KEYWORDS = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD',
  'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

export function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (;;) {
    const match = /^--([A-Za-z][A-Za-z0-9-]*)(?:=("[^"]*"|\S*))?\s*/.exec(rest);
    if (match === null) break;
    flags[(match[1] ?? '').toLowerCase()] = (match[2] ?? '').replace(/^"(.*)"$/, '$1');
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/**
 * Binary content: NUL bytes, or mostly control characters or undecodable bytes.
 * A few invalid bytes (a Latin-1 comment, a stray byte) decode to U+FFFD when the
 * file is read as UTF-8 and the file is still scanned: only when they make up a
 * large share of the start (a third) is it taken for a binary file.
 */
function looksBinaryDockerfile(content: string): boolean {
  if (content.includes('\0')) return true;
  const sample = content.slice(0, 4096);
  if (sample.length === 0) return false;
  let control = 0;
  let replaced = 0;
  for (const ch of sample) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 32 && ch !== '\n' && ch !== '\r' && ch !== '\t' && ch !== '\f') control++;
    else if (code === 0xfffd) replaced++;
  }
  return control / sample.length > 0.05 || replaced / sample.length > 0.33;
}

export function parseDockerfile(content: string): Dockerfile {
  if (looksBinaryDockerfile(content)) throw new DockerfileParseError('not a text file (binary content)');
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Record<string, string> = {};
  const comments: Comment[] = [];
  const instructions: Instruction[] = [];
  let escape = '\\';

  let i = 0;
  // Directives are only recognised before any other line, including blank ones.
  for (; i < lines.length; i++) {
    const match = DIRECTIVE.exec(lines[i] ?? '');
    if (match === null) break;
    const name = (match[1] ?? '').toLowerCase();
    if (name in directives) break;
    directives[name] = match[2] ?? '';
    comments.push({ line: i + 1, text: (lines[i] ?? '').replace(/^#\s?/, '') });
  }
  if (directives.escape !== undefined) {
    if (directives.escape !== '\\' && directives.escape !== '`') throw new DockerfileParseError(`line 1: invalid escape directive "${directives.escape}"`);
    escape = directives.escape;
  }
  const continues = (line: string): boolean => line.trimEnd().endsWith(escape);

  while (i < lines.length) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (trimmed === '') { i++; continue; }
    if (trimmed.startsWith('#')) {
      comments.push({ line: i + 1, text: trimmed.replace(/^#\s?/, '') });
      i++;
      continue;
    }
    const startLine = i + 1;
    let text = '';
    let line = raw;
    for (;;) {
      if (!continues(line)) { text += line.trim(); break; }
      const body = line.trimEnd();
      text += `${body.slice(0, -1).trim()} `;
      i++;
      // Comment and blank lines inside a continued instruction are dropped, as BuildKit does.
      while (i < lines.length && ((lines[i] ?? '').trim() === '' || (lines[i] ?? '').trim().startsWith('#'))) i++;
      if (i >= lines.length) { text = text.trim(); break; }
      line = lines[i] ?? '';
    }
    let endLine = i + 1;
    i++;

    const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
    const keyword = (match?.[1] ?? '').toUpperCase();
    if (!KEYWORDS.has(keyword)) throw new DockerfileParseError(`line ${startLine}: unknown instruction ${JSON.stringify((match?.[1] ?? '').slice(0, 40))}`);
    const args = (match?.[2] ?? '').trim();

    const heredocs: Heredoc[] = [];
    const heredocTarget = keyword === 'ONBUILD' ? (/^(\S+)/.exec(args)?.[1] ?? '').toUpperCase() : keyword;
    if (HEREDOC_KEYWORDS.has(heredocTarget)) {
      for (const h of args.matchAll(HEREDOC)) {
        // `<<x` inside quotes, or the tail of a here-string (<<<), is not a heredoc.
        const before = args.slice(0, h.index);
        if (before.endsWith('<') || (before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1) continue;
        const delimiter = h[3] ?? '';
        const stripTabs = h[1] === '-';
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const bodyLine = lines[i] ?? '';
          i++;
          if ((stripTabs ? bodyLine.replace(/^\t+/, '') : bodyLine) === delimiter) { closed = true; break; }
          body.push(stripTabs ? bodyLine.replace(/^\t+/, '') : bodyLine);
        }
        if (!closed) throw new DockerfileParseError(`line ${startLine}: heredoc ${delimiter} is never closed`);
        endLine = i;
        heredocs.push({ delimiter, body: body.join('\n') });
      }
    }
    const { flags, rest } = splitFlags(args);
    instructions.push({ keyword, args, flags, rest, heredocs, startLine, endLine, stage: -1 });
  }

  return assembleStages(instructions, directives, comments);
}

function assembleStages(instructions: Instruction[], directives: Record<string, string>, comments: Comment[]): Dockerfile {
  const stages: Stage[] = [];
  const globalArgs: Record<string, string> = {};
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.rest.split(/\s+/).filter((w) => w.length > 0);
      const image = words[0];
      if (image === undefined) throw new DockerfileParseError(`line ${instruction.startLine}: FROM needs an image`);
      const stage: Stage = { index: stages.length, image, from: instruction, instructions: [] };
      if (words.length >= 3 && words[1]?.toLowerCase() === 'as' && words[2] !== undefined) stage.name = words[2].toLowerCase();
      stages.push(stage);
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') {
        throw new DockerfileParseError(`line ${instruction.startLine}: ${instruction.keyword} before the first FROM (only ARG may come first)`);
      }
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(instruction.rest.trim());
      if (match?.[1] !== undefined) globalArgs[match[1]] = (match[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage === undefined) continue;
    instruction.stage = stage.index;
    stage.instructions.push(instruction);
  }
  if (stages.length === 0) throw new DockerfileParseError('no FROM instruction');
  return { instructions, stages, directives, comments, globalArgs };
}

/** The shell text a RUN executes: the command line plus heredoc bodies; exec form is joined with spaces. */
export function shellText(instruction: Instruction): string {
  let command = instruction.rest;
  if (command.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(command);
      if (Array.isArray(parsed)) {
        const words = parsed.map(String);
        // ["sh", "-c", "script"] runs a shell script, which the rules should read as one.
        command = /(^|\/)(ba|da|z|a|k)?sh$/.test(words[0] ?? '') && words[1] === '-c' ? words.slice(2).join(' ') : words.join(' ');
      }
    } catch {
      // Not valid JSON: Docker runs it through the shell as written.
    }
  }
  return [command, ...instruction.heredocs.map((h) => h.body)].join('\n');
}

/**
 * The arguments of ADD, COPY, EXPOSE and the like as words: the JSON array of
 * the exec form, or the rest split on whitespace with quotes removed
 * ("a b" stays one word), so a quoted path reads the same as an unquoted one.
 */
export function instructionWords(instruction: Instruction): string[] {
  const rest = instruction.rest.trim();
  if (rest.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // Not valid JSON: Docker reads it as the plain form.
    }
  }
  const words: string[] = [];
  for (const m of rest.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    if (m[1] !== undefined) words.push(m[1].replace(/\\(.)/g, '$1'));
    else words.push(m[2] ?? m[3] ?? '');
  }
  return words;
}
