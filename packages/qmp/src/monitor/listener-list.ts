/** One registration: an object each, so the same function added twice is two listeners. */
interface Entry<T> {
  readonly fn: (arg: T) => void;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The listeners of one kind of notification. The array is replaced, never mutated: `emit`
 * iterates the one it started with, so a listener removed meanwhile still gets that call and
 * one added does not. An empty list shares one frozen array, which matters where a daemon holds
 * a thousand monitors with lists that stay empty.
 * @internal
 */
export class ListenerList<T> {
  private entries: readonly Entry<T>[] = NONE;

  /** Adds `fn`; returns its remover. */
  add(fn: (arg: T) => void): () => void {
    const entry = { fn };
    // `concat` sizes the copy exactly, where a spread reserves 17 slots.
    this.entries = this.entries.concat([entry]);
    return () => {
      this.entries = this.entries.filter((e) => e !== entry);
    };
  }

  /** Calls every listener with `arg`; `onError` gets what one throws (default: rethrown). */
  emit(arg: T, onError?: (error: unknown) => void): void {
    const entries = this.entries;
    // Indexed: a for-of allocates an iterator and its results until the code is optimised,
    // and these lists are rarely hot enough for that.
    for (let i = 0; i < entries.length; i++) {
      const fn = entries[i].fn;
      if (onError === undefined) fn(arg);
      else {
        try {
          fn(arg);
        } catch (error) {
          onError(error);
        }
      }
    }
  }
}
