import type { ImageReport, ImageReportAccepted, ReportedImage } from '../../protocol.js';
import { AgentHttpError, AgentRejectedError, type AgentHttpClient } from '../agent-http.js';
import { ImageCollector, type ImageSourcesOptions } from './collect-images.js';

type LogFn = (fields: Record<string, unknown>, message: string) => void;

export interface ImageReporterOptions {
  client: AgentHttpClient;
  stateDir: string;
  sources: ImageSourcesOptions;
  signal: AbortSignal;
  logger: { info: LogFn; warn: LogFn; error: LogFn };
  /** The agent's retry loop (backoff while the server is down); undefined when stopped meanwhile. */
  retrying: <T>(what: string, op: () => Promise<T>) => Promise<T | undefined>;
}

/**
 * Reports the host's local images, beside the command loop: exporting and
 * analysing a new image can take minutes, and the long-poll heartbeat must
 * go on meanwhile. Requests arriving during a report are folded into one
 * more report right after it, answering every command they carried.
 */
export class ImageReporter {
  private readonly collector: ImageCollector;
  /** Content hashes the server has accepted since this agent started. */
  private readonly acknowledged = new Set<string>();
  private running: Promise<void> | null = null;
  private again = false;
  private commandIds: string[] = [];
  private lastWarnings = '';

  constructor(private readonly options: ImageReporterOptions) {
    this.collector = new ImageCollector(options.stateDir, options.sources);
  }

  /** Starts a report (or queues one more); `commandId` is the command it answers. */
  request(commandId?: string): void {
    if (commandId !== undefined) this.commandIds.push(commandId);
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once no report is under way. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const commands = this.commandIds.splice(0);
      try {
        await this.report(commands);
      } catch (err) {
        // A 401 also stops the command loop, which reports it; anything else waits for the next interval.
        if (!(err instanceof AgentRejectedError)) this.options.logger.error({ event: 'images_failed', error: (err as Error).message }, 'could not report the local images');
      }
    } while (this.again && !this.options.signal.aborted);
  }

  private async report(commandIds: string[]): Promise<void> {
    const { logger, signal } = this.options;
    const collected = await this.collector.collect(signal);
    if (signal.aborted) return;
    const warnings = collected.warnings.join('\n');
    if (warnings !== this.lastWarnings) {
      for (const w of collected.warnings) logger.warn({ event: 'images_warning', warning: w }, w);
      this.lastWarnings = warnings;
    }
    const full = new Map(collected.images.map((i) => [i.image_digest, i]));
    // The first report of a run sends hashes only: after a restart the server most likely holds them all.
    const firstOfRun = this.acknowledged.size === 0;
    let inline = new Set(firstOfRun ? [] : collected.images.filter((i) => !this.acknowledged.has(i.content_hash)).map((i) => i.image_digest));
    // The server counts a report as the answer to every images command it has delivered to this host.
    const commandId = commandIds.at(-1);
    for (let attempt = 0; attempt < 3; attempt++) {
      const report: ImageReport = {
        collected_at: Date.now(),
        images: collected.images.map((i): ReportedImage => {
          const { inventory, ...rest } = i;
          return inline.has(i.image_digest) && inventory ? { ...rest, inventory } : rest;
        }),
        warnings: collected.warnings.slice(0, 200),
        ...(commandId !== undefined ? { command_id: commandId } : {}),
      };
      let answer: ImageReportAccepted | undefined;
      try {
        answer = await this.options.retrying('image report', () => this.options.client.uploadImages(report, signal));
      } catch (err) {
        if (err instanceof AgentRejectedError || !(err instanceof AgentHttpError)) throw err;
        logger.error({ event: 'images_refused', status: err.status, code: err.code, error: err.message }, 'the server refused the image report');
        return;
      }
      if (answer === undefined) return;
      if (answer.applied) {
        for (const i of collected.images) this.acknowledged.add(i.content_hash);
        logger.info({ event: 'images_reported', images: collected.images.length, inlined: inline.size, ...(commandId ? { command_id: commandId } : {}) }, 'local images reported');
        return;
      }
      inline = new Set([...inline, ...answer.needed.filter((d) => full.has(d))]);
    }
    logger.error({ event: 'images_not_applied' }, 'the server kept asking for image inventories; trying again at the next interval');
  }
}
