/**
 * Splits Debian control-file syntax (dpkg status, apt lists) into stanzas of
 * fields. Continuation lines (starting with a space or tab) extend the
 * previous field; field names are case-insensitive, so they are lower-cased.
 */
export function parseControlStanzas(text: string): Array<Record<string, string>> {
  const stanzas: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  let lastField: string | undefined;
  const flush = () => {
    if (Object.keys(current).length > 0) stanzas.push(current);
    current = {};
    lastField = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (lastField) current[lastField] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastField = line.slice(0, colon).trim().toLowerCase();
    current[lastField] = line.slice(colon + 1).trim();
  }
  flush();
  return stanzas;
}
