/** Bounded polling for tests: retries `check` until it passes or the deadline expires. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined && value !== null) {
        return value as Exclude<T, false | null | undefined>;
      }
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(
        `${options.message ?? 'condition not met'} within ${options.timeoutMs ?? 5_000} ms${reason}`,
      );
    }
    await sleep(options.intervalMs ?? 10);
  }
}
