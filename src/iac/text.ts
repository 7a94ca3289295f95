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

/**
 * File bytes to text: a byte-order mark picks the encoding (UTF-8, UTF-16 LE
 * or BE, as editors on Windows save YAML) and is dropped; without one the
 * bytes are read as UTF-8.
 */
export function decodeText(bytes: Uint8Array): string {
  const [a, b, c] = bytes;
  if (a === 0xff && b === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (a === 0xfe && b === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (a === 0xef && b === 0xbb && c === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  return new TextDecoder('utf-8').decode(bytes);
}
