import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { VulListRepository } from '../repositories/vul-list-repository.js';
import { HOST_VUL_COLUMNS, LOCAL_IMAGE_VUL_COLUMNS, REGISTRY_IMAGE_VUL_COLUMNS, SHEET_NAMES, type Column } from './columns.js';
import { hostVulRows, type HostVulExportFilter } from './host-vul-rows.js';
import { countImageVulRows, imageVulRows, type ImageVulExportFilter } from './image-vul-rows.js';
import type { Cell, ExportKind } from './kinds.js';

/** What an export task stores about its selection (plain JSON: it travels in `export_tasks.params`). */
export type ExportParams =
  | { kind: 'local_image_vuls' | 'registry_image_vuls'; filter: ImageVulExportFilter }
  | { kind: 'host_vuls'; filter: HostVulExportFilter };

/** An export's contents: headers, and rows as cells, produced lazily. */
export interface ExportTable {
  sheetName: string;
  columns: ReadonlyArray<{ header: string; width: number }>;
  rows: AsyncIterable<Cell[]>;
}

async function* cells<R>(rows: AsyncIterable<R>, columns: ReadonlyArray<Column<R>>): AsyncGenerator<Cell[]> {
  for await (const row of rows) yield columns.map((c) => c.value(row));
}

const IMAGE_COLUMNS: Record<'local_image_vuls' | 'registry_image_vuls', typeof LOCAL_IMAGE_VUL_COLUMNS> = {
  local_image_vuls: LOCAL_IMAGE_VUL_COLUMNS,
  registry_image_vuls: REGISTRY_IMAGE_VUL_COLUMNS,
};

/** Counts and reads the rows of every export kind. */
export class ExportSources {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly lists: VulListRepository,
  ) {}

  count(projectId: string, params: ExportParams): Promise<number> {
    if (params.kind === 'host_vuls') return this.lists.countHostVuls(projectId, params.filter.list);
    return countImageVulRows(this.db, params.filter);
  }

  table(projectId: string, params: ExportParams): ExportTable {
    const sheetName = SHEET_NAMES[params.kind as ExportKind];
    if (params.kind === 'host_vuls') return { sheetName, columns: HOST_VUL_COLUMNS, rows: cells(hostVulRows(this.lists, projectId, params.filter), HOST_VUL_COLUMNS) };
    const columns = IMAGE_COLUMNS[params.kind];
    return { sheetName, columns, rows: cells(imageVulRows(this.db, params.filter), columns) };
  }
}
