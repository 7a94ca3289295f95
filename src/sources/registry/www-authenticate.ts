/** One challenge from a `WWW-Authenticate` header (RFC 7235), e.g. Bearer with realm, service and scope. */
export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses one or more `WWW-Authenticate` header values. Several challenges may
 * share one value (`Bearer realm="a",scope="b", Basic realm="c"`); parameter
 * values may be quoted, with backslash escapes, and may contain commas.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const challenges: Challenge[] = [];
  for (const value of values) {
    let i = 0;
    let current: Challenge | undefined;
    const skipSpace = () => {
      while (i < value.length && /[\s,]/.test(value[i]!)) i++;
    };
    const readToken = () => {
      const start = i;
      while (i < value.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(value[i]!)) i++;
      return value.slice(start, i);
    };
    while (i < value.length) {
      skipSpace();
      const token = readToken();
      if (token === '') {
        i++; // skip a character we cannot parse and carry on
        continue;
      }
      let j = i;
      while (j < value.length && value[j] === ' ') j++;
      if (value[j] === '=' && current) {
        i = j + 1;
        while (i < value.length && value[i] === ' ') i++;
        let paramValue = '';
        if (value[i] === '"') {
          i++;
          while (i < value.length && value[i] !== '"') {
            if (value[i] === '\\' && i + 1 < value.length) i++;
            paramValue += value[i];
            i++;
          }
          i++; // closing quote
        } else {
          const start = i;
          while (i < value.length && value[i] !== ',') i++;
          paramValue = value.slice(start, i).trim();
        }
        current.params[token.toLowerCase()] = paramValue;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        challenges.push(current);
      }
    }
  }
  return challenges;
}
