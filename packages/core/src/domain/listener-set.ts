import { type Disposable, toDisposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";

/**
 * Listeners of one `onDid*` event. A listener that throws is logged and the others still run;
 * one removed during a fire is not called again, one added during a fire waits for the next.
 * @internal
 */
export class ListenerSet<A extends unknown[]> {
  private readonly listeners = new Set<(...args: A) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly eventName: string,
  ) {}

  /** Adds `listener`; the returned Disposable removes it. */
  add(listener: (...args: A) => void): Disposable {
    // Wrapped so that the same function may be added twice and removed independently.
    const entry = (...args: A): void => listener(...args);
    this.listeners.add(entry);
    return toDisposable(() => this.listeners.delete(entry));
  }

  /** Calls every listener present now. */
  fire(...args: A): void {
    for (const listener of [...this.listeners]) {
      if (!this.listeners.has(listener)) continue;
      try {
        listener(...args);
      } catch (error) {
        this.logger.error({ err: error, event: this.eventName }, "domain listener threw");
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
