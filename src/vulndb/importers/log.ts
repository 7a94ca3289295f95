import type { FeedImportResult, FeedKind } from '../types.js';

const MAX_SAMPLES = 20;

/** Counts what an importer wrote and skipped, and the warnings it met. */
export class ImportLog {
  records = 0;
  affected = 0;
  skipped = 0;
  private readonly counts: Record<string, number> = {};
  private readonly samples: string[] = [];

  constructor(
    readonly feed: string,
    readonly kind: FeedKind,
  ) {}

  warn(code: string, detail: string): void {
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(`${code}: ${detail}`);
  }

  result(): FeedImportResult {
    return {
      feed: this.feed,
      kind: this.kind,
      records: this.records,
      affected: this.affected,
      skipped: this.skipped,
      warnings: { ...this.counts },
      samples: [...this.samples],
    };
  }
}

/** Thrown when a file is not the feed it should be (wrong structure, not JSON, truncated). */
export class FeedFormatError extends Error {
  constructor(
    readonly feed: string,
    message: string,
  ) {
    super(`${feed}: ${message}`);
    this.name = 'FeedFormatError';
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
