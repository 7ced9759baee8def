/**
 * The process logger. Secrets never reach a log line: the paths below are censored wherever
 * they appear, and code logs order ids, never keys or tokens.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'serverKey',
  'adminToken',
  '*.serverKey',
  '*.adminToken',
  'MIDTRANS_SERVER_KEY',
  'ADMIN_TOKEN',
  '*.MIDTRANS_SERVER_KEY',
  '*.ADMIN_TOKEN',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'signature_key',
  '*.signature_key',
];

export function createLogger(options: {
  name: string;
  level: LevelWithSilent;
  destination?: pino.DestinationStream;
}): Logger {
  const base = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(base, options.destination) : pino(base);
}
