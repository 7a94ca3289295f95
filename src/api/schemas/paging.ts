/** HSS paging as a repository page: absent `offset` is 0, absent `limit` 10. */
export function pageOf(query: { offset?: number; limit?: number }): { offset: number; limit: number } {
  return { offset: query.offset ?? 0, limit: query.limit ?? 10 };
}
