/** An HSS list or object answer, loosely typed for assertions. */
export type Json = Record<string, unknown> & { total_num: number; data_list: Array<Record<string, unknown>> };

/** Calls a live server's API with an X-Auth-Token, as a console or script would. */
export function tokenApi(server: () => string, token: () => string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server()}${path}`, {
      method,
      headers: { 'x-auth-token': token(), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Json };
  };
}

/** Polls until `probe` gives a value; the error names what was awaited and, when given, what the processes said. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: { timeoutMs?: number; context?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${options.context ? `\n${options.context()}` : ''}`);
}
