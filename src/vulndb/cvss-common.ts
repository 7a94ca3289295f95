/** Shared parsing for CVSS vectors of every version. */

export class CvssError extends Error {
  constructor(
    readonly vector: string,
    reason: string,
  ) {
    super(`Invalid CVSS vector "${vector}": ${reason}`);
    this.name = 'CvssError';
  }
}

/** Splits `K:V/K:V…` into a map, refusing empty parts, unknown keys, bad values and repeats. */
export function parseMetrics(
  vector: string,
  body: string,
  allowed: Readonly<Record<string, readonly string[]>>,
  required: readonly string[],
): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const part of body.split('/')) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new CvssError(vector, `malformed part "${part}"`);
    const key = part.slice(0, colon);
    const value = part.slice(colon + 1);
    const values = allowed[key];
    if (!values) throw new CvssError(vector, `unknown metric ${key}`);
    if (!values.includes(value)) throw new CvssError(vector, `${key} cannot be ${value}`);
    if (metrics.has(key)) throw new CvssError(vector, `${key} appears twice`);
    metrics.set(key, value);
  }
  for (const key of required) if (!metrics.has(key)) throw new CvssError(vector, `missing ${key}`);
  return metrics;
}

export function get(metrics: Map<string, string>, key: string): string {
  return metrics.get(key) as string;
}

