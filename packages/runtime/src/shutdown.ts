/**
 * Runs a shutdown sequence once, on the first SIGTERM or SIGINT, under one deadline. If the
 * sequence does not finish in time the process exits anyway; either way the exit code is
 * 128 + the signal number, as a supervisor expects.
 */
import type { Logger } from 'pino';

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

export function onShutdownSignal(
  logger: Logger,
  timeoutMs: number,
  shutdown: (signal: string) => Promise<void>,
  proc: NodeJS.Process = process,
): void {
  let started = false;
  const handler = (signal: keyof typeof SIGNAL_NUMBERS): void => {
    if (started) {
      logger.warn({ signal }, 'shutdown already in progress');
      return;
    }
    started = true;
    const code = 128 + SIGNAL_NUMBERS[signal];
    logger.info({ signal, timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ signal, timeoutMs }, 'shutdown deadline passed; exiting');
      proc.exit(code);
    }, timeoutMs);
    deadline.unref();
    shutdown(signal).then(
      () => {
        clearTimeout(deadline);
        logger.info('shutdown complete');
        proc.exit(code);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error({ err: error }, 'shutdown failed');
        proc.exit(code);
      },
    );
  };
  proc.once('SIGTERM', () => handler('SIGTERM'));
  proc.once('SIGINT', () => handler('SIGINT'));
}
