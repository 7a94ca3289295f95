import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { TablePaginationConfig } from 'antd';
import i18n from '../i18n';

/** Page sizes HSS lists accept (limit 10–200). */
export const PAGE_SIZES = [10, 20, 50, 100, 200];

export interface UrlTable {
  offset: number;
  limit: number;
  /** Every other search parameter: the page's filters, as the URL holds them. */
  filters: Record<string, string>;
  setFilters(changes: Record<string, string | number | undefined | null>): void;
  /** antd Table pagination, server-side. */
  pagination(total: number | undefined): TablePaginationConfig;
  /** offset & limit for the API call. */
  pageQuery: { offset: number; limit: number };
}

/**
 * A table whose paging and filters live in the URL (`?offset=20&limit=10&severity=High`),
 * so a filtered page can be bookmarked, shared and reloaded. Changing a filter goes back to the first page.
 */
export function useUrlTable(options: { defaultLimit?: number; prefix?: string } = {}): UrlTable {
  const [params, setParams] = useSearchParams();
  const p = options.prefix ?? '';
  const limitRaw = Number(params.get(`${p}limit`) ?? options.defaultLimit ?? 10);
  const limit = PAGE_SIZES.includes(limitRaw) ? limitRaw : (options.defaultLimit ?? 10);
  const offset = Math.max(0, Math.floor(Number(params.get(`${p}offset`) ?? 0)) || 0);
  const filters = useMemo(() => {
    const out: Record<string, string> = {};
    for (const [k, v] of params) if (k.startsWith(p) && k !== `${p}offset` && k !== `${p}limit`) out[k.slice(p.length)] = v;
    return out;
  }, [params, p]);

  const setFilters = useCallback(
    (changes: Record<string, string | number | undefined | null>) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === undefined || v === null || v === '') next.delete(`${p}${k}`);
          else next.set(`${p}${k}`, String(v));
        }
        next.delete(`${p}offset`);
        return next;
      });
    },
    [setParams, p],
  );

  const pagination = useCallback(
    (total: number | undefined): TablePaginationConfig => ({
      current: Math.floor(offset / limit) + 1,
      pageSize: limit,
      total: total ?? 0,
      pageSizeOptions: PAGE_SIZES,
      showSizeChanger: true,
      showTotal: (t) => i18n.t('common:common.total', { count: t }),
      onChange: (page, pageSize) => {
        setParams((prev) => {
          const next = new URLSearchParams(prev);
          const size = PAGE_SIZES.includes(pageSize) ? pageSize : limit;
          next.set(`${p}limit`, String(size));
          const newOffset = size === limit ? (page - 1) * size : 0;
          if (newOffset > 0) next.set(`${p}offset`, String(newOffset));
          else next.delete(`${p}offset`);
          return next;
        });
      },
    }),
    [offset, limit, setParams, p],
  );

  return { offset, limit, filters, setFilters, pagination, pageQuery: { offset, limit } };
}
