/** What can be exported, and as what. Stored in `export_tasks.kind` / `format`. */
export const EXPORT_KINDS = ['local_image_vuls', 'registry_image_vuls', 'host_vuls'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** HSS `task_status` of an export task. */
export type ExportTaskStatus = 'running' | 'success' | 'failure';

/** The largest `export_size` a request may ask for. */
export const MAX_EXPORT_SIZE = 300_000;

/** One exported cell: text, a number, or empty. */
export type Cell = string | number | null;
