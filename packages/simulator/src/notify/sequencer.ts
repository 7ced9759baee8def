/**
 * Per-key turn taking: callers that take a turn for the same key proceed one after another,
 * in the order they took it. The notifier uses it so a transaction's notifications make their
 * first attempts in event order (pending before settlement) unless a fault says otherwise.
 */
export interface Turn {
  /** Resolves when the previous holder released its turn. */
  readonly ready: Promise<void>;
  release(): void;
}

export class Sequencer {
  readonly #tails = new Map<string, Promise<void>>();

  take(key: string): Turn {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => released);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) {
        this.#tails.delete(key);
      }
    });
    return { ready: previous, release };
  }

  clear(): void {
    this.#tails.clear();
  }
}
