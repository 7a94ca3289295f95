/** A host's importance, as HSS classifies assets. */
export const ASSET_VALUES = ['important', 'common', 'test'] as const;
export type AssetValue = (typeof ASSET_VALUES)[number];

export const AGENT_STATUSES = ['online', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** A server with an enrolled agent. */
export interface Host {
  id: string;
  projectId: string;
  enterpriseProjectId: string;
  agentId: string;
  machineId: string | null;
  hostName: string;
  osType: string;
  osName: string;
  osVersion: string;
  kernel: string;
  ips: string[];
  privateIp: string;
  publicIp: string;
  assetValue: AssetValue;
  agentVersion: string;
  lastSeenAt: number;
  inventoryHash: string | null;
  inventoryAt: number | null;
  lastScanAt: number | null;
  createdAt: number;
}
