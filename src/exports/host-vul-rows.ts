import type { HostVulRow, VulListFilter, VulListRepository } from '../repositories/vul-list-repository.js';

/** Which host vulnerability rows an export covers: what the HSS host-vulnerability lists show for the same filter. */
export interface HostVulExportFilter {
  list: VulListFilter & { hostId?: string };
  /** HSS `category`: `host` groups rows by host, `vul` by vulnerability. */
  order: 'host' | 'vul';
}

export type HostVulExportRow = HostVulRow;

const PAGE = 1000;

/** Every matching host × vulnerability row, read in keyset pages. */
export async function* hostVulRows(lists: VulListRepository, projectId: string, f: HostVulExportFilter): AsyncGenerator<HostVulExportRow> {
  let after: { hostSeq: number; vulSeq: number } | null = null;
  for (;;) {
    const rows = await lists.hostVulKeysetPage(projectId, f.list, f.order, after, PAGE);
    yield* rows;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { hostSeq: last.hostSeq, vulSeq: last.vulSeq };
  }
}
