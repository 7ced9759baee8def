/**
 * Background work the simulator starts (deliveries, retries, timed transitions), all
 * cancellable at once. "Tracked" tasks are the ones idle() waits for.
 */
import { setTimeout as sleepPromise } from 'node:timers/promises';
import type { Logger } from 'pino';

export class Scheduler {
  #controller = new AbortController();
  #tracked = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  async sleep(ms: number, signal: AbortSignal = this.signal): Promise<boolean> {
    if (signal.aborted) {
      return false;
    }
    try {
      await sleepPromise(Math.max(0, ms), undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `task` in the background; it receives the signal that cancelAll() aborts. */
  run(task: (signal: AbortSignal) => Promise<void>, options: { tracked: boolean }): void {
    const signal = this.signal;
    if (options.tracked) {
      this.#tracked += 1;
    }
    void task(signal)
      .catch((error: unknown) => {
        this.#logger.error({ err: error }, 'simulator background task failed');
      })
      .finally(() => {
        if (options.tracked) {
          this.#tracked -= 1;
          this.#wakeIfIdle();
        }
      });
  }

  /** Runs `fn` after `ms` real milliseconds unless cancelled first. */
  later(ms: number, fn: () => void, options: { tracked: boolean }): void {
    this.run(async (signal) => {
      if (await this.sleep(ms, signal)) {
        fn();
      }
    }, options);
  }

  /** Resolves once no tracked task is running. */
  idle(): Promise<void> {
    if (this.#tracked === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Aborts everything started so far; later tasks get a fresh signal. */
  cancelAll(): void {
    this.#controller.abort();
    this.#controller = new AbortController();
  }

  #wakeIfIdle(): void {
    if (this.#tracked === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) {
        wake();
      }
    }
  }
}
