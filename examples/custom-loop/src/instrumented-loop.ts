import type { Duplex } from "node:stream";
import type {
  EventLoopImpl,
  FreeCallback,
  HandleCallback,
  HandleEventMask,
  TimeoutCallback,
  TimerId,
  WatchId,
} from "@virtevent/core";

/** A callback that ran longer than the loop's threshold. */
export interface SlowCallbackReport {
  kind: "handle" | "timeout";
  id: number;
  durationMs: number;
}

/** Options of {@link InstrumentedLoop}. */
export interface InstrumentedLoopOptions {
  /** A callback running at least this long is reported (default 50 ms). */
  slowThresholdMs?: number;
  /** Receives every slow-callback report (default: kept in `slowReports`, last 100). */
  onSlowCallback?: (report: SlowCallbackReport) => void;
}

/** Slow callbacks kept when no `onSlowCallback` is given. */
const MAX_KEPT_SLOW_REPORTS = 100;

/**
 * An EventLoopImpl that wraps another one, counting every dispatch and timing every callback.
 * Everything else — readiness, ordering, removal and free semantics — is the inner loop's, so
 * it passes the conformance suite exactly when the inner loop does.
 *
 * @example
 * registerEventLoopImpl("instrumented", () => new InstrumentedLoop(new NodeEventLoop()));
 */
export class InstrumentedLoop implements EventLoopImpl {
  readonly name: string;
  /** Dispatches so far: handle callbacks and timeout callbacks. */
  readonly dispatches = { handles: 0, timeouts: 0 };
  /** Recent slow callbacks, when no `onSlowCallback` was given. */
  readonly slowReports: SlowCallbackReport[] = [];
  private readonly thresholdMs: number;
  private readonly report: (r: SlowCallbackReport) => void;
  /**
   * The inner loop's clock, forwarded (when it has one) so the worker pool can keep its jobs'
   * deadlines behind one timeout.
   */
  readonly now?: () => number;

  constructor(
    private readonly inner: EventLoopImpl,
    options: InstrumentedLoopOptions = {},
  ) {
    this.name = `instrumented(${inner.name})`;
    const innerNow = inner.now?.bind(inner);
    if (innerNow) this.now = innerNow;
    this.thresholdMs = options.slowThresholdMs ?? 50;
    this.report =
      options.onSlowCallback ??
      ((r) => {
        this.slowReports.push(r);
        if (this.slowReports.length > MAX_KEPT_SLOW_REPORTS) this.slowReports.shift();
      });
  }

  addHandle(
    source: Duplex,
    events: HandleEventMask,
    cb: HandleCallback,
    free?: FreeCallback,
  ): WatchId {
    return this.inner.addHandle(
      source,
      events,
      (watch, stream, ready, error) => {
        this.dispatches.handles++;
        this.timed("handle", watch, () => cb(watch, stream, ready, error));
      },
      free,
    );
  }

  updateHandle(watch: WatchId, events: HandleEventMask): boolean {
    return this.inner.updateHandle(watch, events);
  }

  removeHandle(watch: WatchId): boolean {
    return this.inner.removeHandle(watch);
  }

  addTimeout(frequencyMs: number, cb: TimeoutCallback, free?: FreeCallback): TimerId {
    return this.inner.addTimeout(
      frequencyMs,
      (timer) => {
        this.dispatches.timeouts++;
        this.timed("timeout", timer, () => cb(timer));
      },
      free,
    );
  }

  updateTimeout(timer: TimerId, frequencyMs: number): boolean {
    return this.inner.updateTimeout(timer, frequencyMs);
  }

  removeTimeout(timer: TimerId): boolean {
    return this.inner.removeTimeout(timer);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private timed(kind: SlowCallbackReport["kind"], id: number, fn: () => void): void {
    const start = performance.now();
    try {
      fn();
    } finally {
      const durationMs = performance.now() - start;
      if (durationMs >= this.thresholdMs) this.report({ kind, id, durationMs });
    }
  }
}
