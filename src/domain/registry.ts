import type { RegistryType } from './image.js';

/** Whether openhss can reach a registry with its stored credentials, from the last check or sync; `checking` until the first check after a change ends. */
export const REGISTRY_CONNECTION_STATUSES = ['checking', 'connected', 'unauthorized', 'unreachable'] as const;
export type RegistryConnectionStatus = (typeof REGISTRY_CONNECTION_STATUSES)[number];

/** A registry's sync: none running (`idle`), one running, or the last one failed. */
export const REGISTRY_SYNC_STATUSES = ['idle', 'syncing', 'failed'] as const;
export type RegistrySyncStatus = (typeof REGISTRY_SYNC_STATUSES)[number];

/** A registry whose images openhss lists and scans. The password is never part of it. */
export interface Registry {
  id: string;
  projectId: string;
  enterpriseProjectId: string;
  name: string;
  registryType: RegistryType;
  /** `http(s)://host[:port]`, normalised. */
  url: string;
  /** `host[:port]`: the registry part of image references. */
  host: string;
  /** Only repositories equal to it or under it (`ns/…`) are synced; '' = all. */
  namespace: string;
  username: string;
  hasPassword: boolean;
  plainHttp: boolean;
  skipTlsVerify: boolean;
  status: RegistryConnectionStatus;
  statusReason: string;
  checkedAt: number | null;
  syncStatus: RegistrySyncStatus;
  syncReason: string;
  lastSyncAt: number | null;
  createdAt: number;
  updatedAt: number;
}
