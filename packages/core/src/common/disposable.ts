/**
 * Something that can be undone: every `register*` / `on*` in virtevent returns one (VS Code's
 * convention). Disposing twice is harmless.
 */
export interface Disposable {
  dispose(): void;
}

/** Wraps `fn` as a Disposable that runs it at most once. */
export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/**
 * Collects disposables and disposes them in reverse order of addition (LIFO, like teardown
 * of nested setup). Errors thrown by one do not stop the others; they are returned.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  /** Adds `d`; if the store is already disposed, disposes `d` at once. */
  add<T extends Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Disposes everything, newest first; returns the errors thrown along the way. */
  disposeAll(): unknown[] {
    this.disposed = true;
    const errors: unknown[] = [];
    while (this.items.length > 0) {
      const d = this.items.pop();
      try {
        d?.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    return errors;
  }

  dispose(): void {
    this.disposeAll();
  }
}
