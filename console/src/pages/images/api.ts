import { del, epQuery, get, post, put, request, type HssList, type Query } from '../../api/client';

export type ImageSource = 'registry' | 'local' | 'cicd';
export const IMAGE_SCAN_STATUSES = ['unscan', 'waiting_for_scan', 'scanning', 'success', 'failed', 'download_failed', 'image_oversized', 'image_scan_stop'] as const;
export const REGISTRY_TYPES = ['Harbor', 'Jfrog', 'Other', 'SwrPrivate', 'SwrShared', 'SwrEnterprise'] as const;

/** The fields all three image lists share. */
export interface ImageRow {
  id: number;
  image_name: string;
  image_version: string;
  image_digest: string;
  image_id: string;
  image_size: number;
  scan_status: string;
  scan_failed_desc: string;
  latest_update_time: number;
  latest_scan_time: number;
  vul_num?: number;
  severity_level?: string;
  namespace?: string;
  registry_name?: string;
  registry_id?: string;
  host_name?: string;
  host_num?: number;
  container_num?: number;
  local_image_type?: string;
}

export const IMAGE_LIST_PATH: Record<ImageSource, string> = {
  registry: '/v5/{project_id}/image/registries/images',
  local: '/v5/{project_id}/image/local-repositories',
  cicd: '/v5/{project_id}/image/cicd/images',
};
export const listImages = (source: ImageSource, query: Query) => get<HssList<ImageRow>>(IMAGE_LIST_PATH[source], { ...epQuery(), ...query });

/** CreateManualImageScanTask: answers an empty body and names the task in X-Openhss-Task-Id (none when is_all selected nothing). */
export async function createImageScan(
  source: ImageSource,
  body: { is_all?: boolean; query_info?: Query; image_info?: Array<{ id: number }>; rate_limit?: number; task_name?: string },
): Promise<string | null> {
  const response = await request('POST', '/v5/{project_id}/image/image-scan/tasks', { body, query: { ...epQuery(), global_image_type: source } });
  return response.headers.get('x-openhss-task-id');
}

export interface Registry {
  id: string;
  registry_name: string;
  registry_type: string;
  url: string;
  registry_addr: string;
  registry_username: string;
  namespace: string;
  skip_tls_verify: boolean;
  status: 'success' | 'fail' | 'accessing';
  connection_status: 'checking' | 'connected' | 'unauthorized' | 'unreachable';
  fail_reason: string;
  images_num: number;
  latest_sync_time: number;
  sync_status: 'idle' | 'syncing' | 'failed';
  sync_failed_reason: string;
}

export interface RegistryInput {
  registry_name?: string;
  registry_type?: string;
  url?: string;
  registry_username?: string;
  registry_password?: string;
  namespace?: string;
  skip_tls_verify?: boolean;
}

export const listRegistries = (query: Query) => get<HssList<Registry>>('/v5/{project_id}/image/registries', { ...epQuery(), ...query });
export const getRegistry = (id: string) => get<Registry>(`/v5/{project_id}/image/registries/${encodeURIComponent(id)}`, epQuery());
export const addRegistry = (body: RegistryInput) => post<Registry>('/v5/{project_id}/image/registries', body, epQuery());
export const updateRegistry = (id: string, body: RegistryInput) => put<Registry>(`/v5/{project_id}/image/registries/${encodeURIComponent(id)}`, body, epQuery());
export const deleteRegistry = (id: string) => del<void>(`/v5/{project_id}/image/registries/${encodeURIComponent(id)}`, epQuery());
export const syncRegistry = (id: string) => post<{ started: boolean; sync_status: string }>(`/v5/{project_id}/image/registries/${encodeURIComponent(id)}/sync`, {}, epQuery());

export interface ImageScanTask {
  task_id: string;
  task_name: string;
  begin_time: number;
  end_time: number;
  remain_min: number;
  task_type: string;
  image_type: string;
  task_status: number;
  scan_scope: number;
  rate_limit: number;
  is_all: boolean;
  failed_num: number;
  success_num: number;
  total_num: number;
  risky_num: number;
  failed_reason: string;
  failed_images: Array<{ id: number; image_name: string; image_version: string; namespace: string; registry_name: string; failed_reason: string }>;
  not_supported: string[];
}

export interface ImageScanTaskImage {
  id: number;
  image_digest: string;
  scan_status: string;
  failed_reason: string;
  started_at: number;
  finished_at: number;
}

export const listImageScanTasks = (query: Query) => get<HssList<ImageScanTask>>('/v5/{project_id}/image/tasks', { ...epQuery(), type: 'image_scan', ...query });
export const listImageScanTaskImages = (taskId: string) => get<HssList<ImageScanTaskImage>>(`/v5/{project_id}/image/image-scan/tasks/${encodeURIComponent(taskId)}/images`, epQuery());
export const stopImageScanTask = (taskId: string) => put<void>(`/v5/{project_id}/image/image-scan/tasks/${encodeURIComponent(taskId)}/stop`, undefined, epQuery());

export interface ImageVul {
  vul_id: string;
  repair_necessity: string;
  description: string;
  position: string;
  app_name: string;
  version: string;
  fixed_version: string;
  solution: string;
  url: string;
  vul_type: string;
  cvss_score: number | null;
  cve_ids: string[];
  handle_status: string;
  first_seen_time: number;
}

export const listImageVuls = (imageId: string, query: Query) => get<HssList<ImageVul>>(`/v5/{project_id}/image/${encodeURIComponent(imageId)}/vulnerabilities`, { ...epQuery(), ...query });
