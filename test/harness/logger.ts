/** A logger whose lines a test can read (and grep for secrets). */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@lunas/runtime';

export interface CapturedLogger {
  readonly logger: Logger;
  readonly lines: string[];
}

export function captureLogger(name = 'test', level: 'debug' | 'info' | 'warn' = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger({ name, level, destination }), lines };
}
