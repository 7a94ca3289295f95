/**
 * Just enough shell reading for RUN checks: split a command line into simple
 * commands (on && || ; | & and newlines, outside quotes) and find the program
 * each one runs behind sudo/env wrappers. No expansion is attempted.
 */
export interface SimpleCommand {
  words: string[];
  /** True when the previous command's output is piped into this one. */
  piped: boolean;
}

export function splitCommands(text: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: string[] = [];
  let word = '';
  let hasWord = false;
  let quote: string | undefined;
  let piped = false;
  const endWord = () => {
    if (hasWord) words.push(word);
    word = '';
    hasWord = false;
  };
  const endCommand = (nextPiped: boolean) => {
    endWord();
    if (words.length > 0) out.push({ words, piped });
    words = [];
    piped = nextPiped;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") { quote = ch; hasWord = true; continue; }
    if (ch === '\\' && i + 1 < text.length) { word += text[++i]; hasWord = true; continue; }
    if (ch === '#' && !hasWord) {
      while (i < text.length && text[i] !== '\n') i++;
      endCommand(false);
      continue;
    }
    if (ch === '|' && text[i + 1] === '|') { endCommand(false); i++; continue; }
    if (ch === '&' && text[i + 1] === '&') { endCommand(false); i++; continue; }
    if (ch === '|') { endCommand(true); continue; }
    if (ch === ';' || ch === '&' || ch === '\n') { endCommand(false); continue; }
    if (ch === '(' || ch === ')' || ch === '{' || ch === '}') { endWord(); continue; }
    if (/\s/.test(ch)) { endWord(); continue; }
    word += ch;
    hasWord = true;
  }
  endCommand(false);
  return out;
}

const WRAPPERS = new Set(['sudo', 'env', 'nohup', 'time', 'exec', 'command', 'xargs', 'doas']);
/** Shell keywords that start a compound command; the program is the word after them (`do apt-get install …`). */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!']);

/** The program a simple command runs (basename, behind wrappers and VAR=value prefixes), its arguments and the wrappers skipped. */
export function program(cmd: SimpleCommand): { name: string; args: string[]; wrappers: string[] } | undefined {
  let i = 0;
  const wrappers: string[] = [];
  const words = cmd.words;
  while (i < words.length) {
    const w = words[i] ?? '';
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || KEYWORDS.has(w)) { i++; continue; }
    const base = w.replace(/^.*\//, '');
    if (WRAPPERS.has(base)) {
      wrappers.push(base);
      i++;
      // Skip the wrapper's own options (sudo -u user, env -i).
      while (i < words.length && (words[i] ?? '').startsWith('-')) {
        const opt = words[i] ?? '';
        i += base === 'sudo' && /^-[ugChpr]$/.test(opt) ? 2 : 1;
      }
      continue;
    }
    return { name: base, args: words.slice(i + 1), wrappers };
  }
  return undefined;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh']);

/** Every program run, looking inside `sh -c "…"` scripts too (a few levels deep). */
export function programs(text: string, depth = 0): Array<{ name: string; args: string[]; wrappers: string[]; command: SimpleCommand }> {
  return splitCommands(text).flatMap((command) => {
    const p = program(command);
    if (p === undefined) return [];
    const script = SHELLS.has(p.name) && p.args[0] === '-c' ? p.args[1] : undefined;
    const inner = script !== undefined && depth < 3 ? programs(script, depth + 1) : [];
    return [{ ...p, command }, ...inner];
  });
}
