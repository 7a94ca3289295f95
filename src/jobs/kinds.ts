/**
 * Every job kind and the payload its handler receives: the one map that
 * types `JobQueue.enqueue` and `JobQueue.work`. A feature adds its kind here
 * and its handler in ./handlers.ts. Payloads travel as JSON, so keep them to
 * plain data (no Dates, Maps or class instances).
 *
 * Tests that need kinds of their own add them by declaration merging, inside
 * the test file, so production never sees them:
 *
 *   declare module '../../src/jobs/kinds.js' {
 *     interface JobPayloads {
 *       'test.sleep': { ms: number };
 *     }
 *   }
 *
 * Two files may declare the same kind only with the identical payload type.
 */
export interface JobPayloads {
  /** Waits `holdMs` (at most 60 s), then logs: proves a deployment's workers take jobs, and how they share them. */
  'system.noop': { note?: string; holdMs?: number };
  /** Plans a vulnerability scan task: queues one `vulscan.shard` per shard of its hosts. */
  'vulscan.task': { taskId: string };
  /** One shard of a scan task's hosts (`hosts.scanShardSize`, by host id): asks agents, matches inventories, records each host's outcome. */
  'vulscan.shard': { taskId: string; shard: number };
  /** Re-matches every stored host inventory after the vulnerability DB changed. */
  'hosts.rematch': { reason: string };
  /** Writes one export task's file; `maxAttempts` lets the last try fail the task instead of leaving it running. */
  'export.run': { taskId: string; maxAttempts: number };
  /** Scans one image of an image scan task (and every image of the task with the same digest). */
  'imagescan.image': { taskId: string; assetId: string };
  /** Re-matches every stored image inventory matched against an older vulnerability DB. */
  'images.rematch': { reason: string };
  /** Scans the clusters or IaC files of a common task (cluster_scan, iac_scan), one by one. */
  'commontask.run': { taskId: string; maxAttempts: number };
  /** Updates the vulnerability DB (one per update interval for the whole deployment: singleton key `vulndb.update:<slot>`). */
  'vulndb.update': { reason: string };
  /** Mirrors one registry's tags into the image list; the registry was claimed (sync_status) when it was queued. */
  'registry.sync': { projectId: string; registryId: string };
}
