import { createHash } from 'node:crypto';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../observability/logger.js';
import type { Runtime } from './runtime.js';

/**
 * A vulnerability DB file replaced while no process ran is only seen at the
 * next start, where it is simply opened: no change is noticed, so nothing
 * re-matches. At start, stored host and image results matched against another
 * DB file than the one now open are re-matched with the same jobs a change
 * seen while running queues. The singleton key (one per DB generation) makes
 * that one job per deployment however many serve/worker processes start.
 */
export async function queueStartupRematch(runtime: Runtime, queue: JobQueue, logger: Logger): Promise<{ hostsJob: string | null; imagesJob: string | null }> {
  const generation = runtime.vulnDb.generation();
  const key = createHash('sha256').update(generation).digest('hex').slice(0, 32);
  const hosts = await runtime.services.matcher.hasStaleMatches();
  const images = await runtime.services.imageContents.hasStaleMatches();
  const reason = 'vulnerability DB replaced while no process ran';
  if (hosts || images) logger.info({ file: runtime.vulnDb.file, hosts, images }, 'stored results were matched against another vulnerability DB; re-matching them');
  // Null: nothing stale, or another process already queued the job for this DB file.
  const hostsJob = hosts ? await queue.enqueue('hosts.rematch', { reason }, { singletonKey: `hosts.rematch:start:${key}` }) : null;
  const imagesJob = images ? await queue.enqueue('images.rematch', { reason }, { singletonKey: `images.rematch:start:${key}` }) : null;
  return { hostsJob, imagesJob };
}
