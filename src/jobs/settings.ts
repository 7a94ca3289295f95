/** What every queue implementation is tuned by (from the `queue` config section). */
export interface QueueSettings {
  /** Jobs this process runs at once. */
  concurrency: number;
  /** Default lease: how long a claimed job stays claimed without a heartbeat (renewed by a heartbeat on both backends). */
  leaseMs: number;
  /** How often an idle worker looks for work. */
  pollIntervalMs: number;
}

/** The logger a queue reports through (pino's shape). */
export interface QueueLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const DEFAULT_ENQUEUE = { maxAttempts: 3, backoffMs: 1000 } as const;
