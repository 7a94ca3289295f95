/** HSS paging as a repository page: `limit` 0 (allowed by older HSS pages) means the default 10. */
export function pageOf(query: { offset?: number; limit?: number }): { offset: number; limit: number } {
  return { offset: query.offset ?? 0, limit: query.limit === undefined || query.limit === 0 ? 10 : query.limit };
}
