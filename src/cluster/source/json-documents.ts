/**
 * Splits text holding one or more JSON values written one after another, as
 * `(kubectl version -o json; kubectl get ... -o json) > snapshot.json` leaves
 * it. Only top-level boundaries are found here; JSON.parse does the parsing.
 */
export function splitJsonDocuments(text: string): Array<{ text: string; offset: number }> {
  const documents: Array<{ text: string; offset: number }> = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (start < 0) {
      start = i;
      if (c !== '{' && c !== '[') throw new SyntaxError(`expected '{' or '[' at offset ${i}`);
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth < 0) throw new SyntaxError(`unbalanced '${c}' at offset ${i}`);
      if (depth === 0) {
        documents.push({ text: text.slice(start, i + 1), offset: start });
        start = -1;
      }
    }
  }
  if (start >= 0 || inString) throw new SyntaxError('the input ends inside a JSON value');
  return documents;
}
