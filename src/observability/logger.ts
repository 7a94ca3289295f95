import pino, { type Logger, type LoggerOptions } from 'pino';

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.cookie',
  'res.headers["x-subject-token"]',
  'headers.authorization',
  'headers["x-auth-token"]',
  '*.password',
  '*.secretKey',
  '*.secret_key',
  '*.sk',
  '*.token',
  '*.kubeconfig',
  '*.masterKey',
  '*.secretAccessKey',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'openhss' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
