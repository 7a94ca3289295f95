import { invalidParameter } from '../domain/errors.js';

/** One line on standard output. */
export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** An epoch-ms time for tables; '-' when there is none. */
export const iso = (ms: number | null): string => (ms ? new Date(ms).toISOString() : '-');

/** An option value that must be one of `allowed`; otherwise a clear error naming the option. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalidParameter(option, `${option}: ${value} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** Standard input read whole, one trailing newline dropped (`--password-stdin`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
