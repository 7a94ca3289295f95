/**
 * The `rel="next"` target of a `Link` header (RFC 8288), as the Distribution
 * API paginates `/v2/_catalog` and `/v2/<name>/tags/list`:
 * `</v2/_catalog?last=b&n=2>; rel="next"`. Undefined when there is no next page.
 */
export function nextLink(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header];
  for (const value of values) {
    const linkRe = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
    for (let match = linkRe.exec(value); match; match = linkRe.exec(value)) {
      const params = match[2] ?? '';
      const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
      const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
      if (rels.includes('next')) return match[1];
    }
  }
  return undefined;
}
