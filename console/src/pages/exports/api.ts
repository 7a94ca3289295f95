import { epQuery, get, post, type Query } from '../../api/client';
import { loadSession } from '../../auth/session';

export type ExportKind = 'local_image' | 'registry_image' | 'host';

export interface ExportCreated {
  record_total_num: number;
  task_id: string;
}

/** GET /v5/{project_id}/export-task/{task_id} (ListQueryExportTask). */
export interface ExportTask {
  task_id: string;
  task_name: string;
  task_status: 'running' | 'success' | 'failure';
  file_id: string;
  file_name: string;
  failed_reason: string;
  record_total_num: number;
  expires_at: number;
  matched_num: number;
  truncated: boolean;
  status_detail: string;
}

const PATHS: Record<ExportKind, string> = {
  local_image: '/v5/{project_id}/image/local-vulnerability/export',
  registry_image: '/v5/{project_id}/image/registry-vulnerability/export',
  host: '/v5/{project_id}/vul/export',
};

/** Image exports take their filters in the body; the host export takes them in the query, as HSS does. */
export function startExport(kind: ExportKind, query: Query, body: Record<string, unknown>): Promise<ExportCreated> {
  return post<ExportCreated>(PATHS[kind], kind === 'host' ? {} : body, { ...epQuery(), ...query });
}

export const getExportTask = (taskId: string) => get<ExportTask>(`/v5/{project_id}/export-task/${encodeURIComponent(taskId)}`, epQuery());
export const downloadPath = (fileId: string) => `/v5/{project_id}/download/${encodeURIComponent(fileId)}`;

/** An export this tab started. No route lists export tasks, so the tab keeps its own (sessionStorage: ids only, never the token). */
export interface StartedExport {
  taskId: string;
  kind: ExportKind;
  createdAt: number;
  format: string;
  recordTotalNum: number;
}

const storageKey = () => `openhss.exports.${loadSession()?.project.id ?? ''}`;

export function loadStarted(): StartedExport[] {
  try {
    const raw = sessionStorage.getItem(storageKey());
    return raw ? (JSON.parse(raw) as StartedExport[]) : [];
  } catch {
    return [];
  }
}

export function saveStarted(list: StartedExport[]): void {
  sessionStorage.setItem(storageKey(), JSON.stringify(list.slice(0, 50)));
}
