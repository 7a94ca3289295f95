/** Content that is clearly not text: NUL bytes or mostly control characters (checked on the first 4 KiB). */
export function looksBinary(content: string): boolean {
  if (content.includes('\0')) return true;
  const sample = content.slice(0, 4096);
  if (sample.length === 0) return false;
  let bad = 0;
  for (const ch of sample) {
    const code = ch.codePointAt(0) ?? 0;
    if ((code < 32 && ch !== '\n' && ch !== '\r' && ch !== '\t') || code === 0xfffd) bad++;
  }
  return bad / sample.length > 0.05;
}

/** Thrown for files that cannot be parsed; the message is the reason reported for the file. */
export class IacParseError extends Error {}
