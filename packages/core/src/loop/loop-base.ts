import type { Duplex } from "node:stream";
import {
  type EventLoopImpl,
  type FreeCallback,
  type HandleCallback,
  type HandleEventMask,
  HandleEvents,
  TIMEOUT_DISABLED,
  type TimeoutCallback,
  type TimerId,
  type WatchId,
} from "./event-loop-impl.js";
import { EventLoopArgumentError, EventLoopClosedError } from "./loop-errors.js";
import { StreamReadiness } from "./stream-readiness.js";

const ALL_HANDLE_EVENTS =
  HandleEvents.READABLE | HandleEvents.WRITABLE | HandleEvents.ERROR | HandleEvents.HANGUP;

/** Where a callback error came from, for {@link LoopOptions.onCallbackError}. */
export interface CallbackErrorSite {
  kind: "handle" | "timeout" | "free";
  id: number;
}

/** Options shared by the loops shipped with core. */
export interface LoopOptions {
  /**
   * Called when a handle, timeout or free callback throws. The loop keeps running and the
   * other callbacks of the turn still fire. Default: a process warning.
   */
  onCallbackError?: (error: unknown, site: CallbackErrorSite) => void;
}

/** @internal */
export interface HandleRecord {
  readonly id: WatchId;
  readonly source: Duplex;
  events: HandleEventMask;
  readonly cb: HandleCallback;
  readonly free: FreeCallback | undefined;
  readonly readiness: StreamReadiness;
  removed: boolean;
}

/** @internal */
export interface TimerRecord {
  readonly id: TimerId;
  frequencyMs: number;
  readonly cb: TimeoutCallback;
  readonly free: FreeCallback | undefined;
  removed: boolean;
  /** Set by implementations: when the timer is next due, in their clock. */
  dueAt: number;
}

/**
 * Bookkeeping common to every loop shipped with core: id counters, removal and free-callback
 * rules, error containment. Subclasses decide when turns happen.
 * @internal
 */
export abstract class LoopBase implements EventLoopImpl {
  abstract readonly name: string;
  protected readonly handles = new Map<WatchId, HandleRecord>();
  protected readonly timers = new Map<TimerId, TimerRecord>();
  protected closed = false;
  private nextWatchId = 1;
  private nextTimerId = 1;
  private dispatchDepth = 0;
  private readonly pendingFrees: Array<{ free: FreeCallback; id: number }> = [];
  private readonly onCallbackError: (error: unknown, site: CallbackErrorSite) => void;

  constructor(options: LoopOptions = {}) {
    this.onCallbackError =
      options.onCallbackError ??
      ((error, site) =>
        process.emitWarning(
          `event-loop ${site.kind} callback ${site.id} threw: ${error instanceof Error ? error.stack : String(error)}`,
          "VirteventLoopWarning",
        ));
  }

  /** Called when a handle's readiness or mask may have changed. */
  protected abstract handleChanged(rec: HandleRecord): void;
  /** Called when a timer was added or its frequency changed. */
  protected abstract timerChanged(rec: TimerRecord): void;
  /** Called when a timer was removed. */
  protected abstract timerRemoved(rec: TimerRecord): void;
  /** Called when free callbacks are queued outside a dispatch. */
  protected abstract freesQueued(): void;
  /** Called when a handle was removed (its record is already marked removed). */
  protected handleRemoved(_rec: HandleRecord): void {}

  /** The highest watch id handed out so far (0 before the first). */
  protected get lastWatchId(): WatchId {
    return this.nextWatchId - 1;
  }

  /** The highest timer id handed out so far (0 before the first). */
  protected get lastTimerId(): TimerId {
    return this.nextTimerId - 1;
  }

  addHandle(
    source: Duplex,
    events: HandleEventMask,
    cb: HandleCallback,
    free?: FreeCallback,
  ): WatchId {
    this.assertOpen();
    checkMask(events);
    const id = this.nextWatchId++;
    const rec: HandleRecord = {
      id,
      source,
      events,
      cb,
      free,
      removed: false,
      readiness: new StreamReadiness(source, () => {
        if (!rec.removed) this.handleChanged(rec);
      }),
    };
    this.handles.set(id, rec);
    this.handleChanged(rec);
    return id;
  }

  updateHandle(watch: WatchId, events: HandleEventMask): boolean {
    checkMask(events);
    const rec = this.handles.get(watch);
    if (!rec) return false;
    rec.events = events;
    this.handleChanged(rec);
    return true;
  }

  removeHandle(watch: WatchId): boolean {
    const rec = this.handles.get(watch);
    if (!rec) return false;
    this.handles.delete(watch);
    rec.removed = true;
    rec.readiness.detach();
    this.handleRemoved(rec);
    this.queueFree(rec.free, rec.id);
    return true;
  }

  addTimeout(frequencyMs: number, cb: TimeoutCallback, free?: FreeCallback): TimerId {
    this.assertOpen();
    checkFrequency(frequencyMs);
    const id = this.nextTimerId++;
    const rec: TimerRecord = { id, frequencyMs, cb, free, removed: false, dueAt: 0 };
    this.timers.set(id, rec);
    this.timerChanged(rec);
    return id;
  }

  updateTimeout(timer: TimerId, frequencyMs: number): boolean {
    checkFrequency(frequencyMs);
    const rec = this.timers.get(timer);
    if (!rec) return false;
    rec.frequencyMs = frequencyMs;
    this.timerChanged(rec);
    return true;
  }

  removeTimeout(timer: TimerId): boolean {
    const rec = this.timers.get(timer);
    if (!rec) return false;
    this.timers.delete(timer);
    rec.removed = true;
    this.timerRemoved(rec);
    this.queueFree(rec.free, rec.id);
    return true;
  }

  /** Number of live handles (for diagnostics and tests). */
  get handleCount(): number {
    return this.handles.size;
  }

  /** Number of live timeouts (for diagnostics and tests). */
  get timeoutCount(): number {
    return this.timers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.handles.keys()]) this.removeHandle(id);
    for (const id of [...this.timers.keys()]) this.removeTimeout(id);
    // Let a close() called from inside a callback finish that dispatch first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.runFrees();
  }

  /** Runs `body` as one dispatch: free callbacks queued meanwhile run after it. */
  protected dispatch(body: () => void): void {
    this.dispatchDepth++;
    try {
      body();
    } finally {
      this.dispatchDepth--;
    }
    if (this.dispatchDepth === 0) this.runFrees();
  }

  /** Fires a handle if it is live and ready; returns true when its callback ran. */
  protected fireHandle(rec: HandleRecord): boolean {
    if (rec.removed) return false;
    const bits = rec.readiness.ready(rec.events);
    if (bits === 0) return false;
    const error = bits & HandleEvents.ERROR ? rec.readiness.error : undefined;
    rec.readiness.delivered(bits);
    try {
      rec.cb(rec.id, rec.source, bits, error);
    } catch (e) {
      this.onCallbackError(e, { kind: "handle", id: rec.id });
    }
    return true;
  }

  /** Fires a timer if it is live and enabled; returns true when its callback ran. */
  protected fireTimer(rec: TimerRecord): boolean {
    if (rec.removed || rec.frequencyMs === TIMEOUT_DISABLED) return false;
    try {
      rec.cb(rec.id);
    } catch (e) {
      this.onCallbackError(e, { kind: "timeout", id: rec.id });
    }
    return true;
  }

  protected get hasPendingFrees(): boolean {
    return this.pendingFrees.length > 0;
  }

  protected runFrees(): void {
    if (this.dispatchDepth > 0) return;
    while (this.pendingFrees.length > 0) {
      const item = this.pendingFrees.shift();
      if (!item) break;
      try {
        item.free();
      } catch (e) {
        this.onCallbackError(e, { kind: "free", id: item.id });
      }
    }
  }

  private queueFree(free: FreeCallback | undefined, id: number): void {
    if (!free) return;
    this.pendingFrees.push({ free, id });
    if (this.dispatchDepth === 0) this.freesQueued();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventLoopClosedError(this.name);
  }
}

function checkMask(events: HandleEventMask): void {
  if (!Number.isInteger(events) || events < 0 || (events & ~ALL_HANDLE_EVENTS) !== 0) {
    throw new EventLoopArgumentError(
      `handle events must be a bit set of READABLE|WRITABLE|ERROR|HANGUP (0..15), got ${events}`,
    );
  }
}

function checkFrequency(frequencyMs: number): void {
  if (!Number.isInteger(frequencyMs) || frequencyMs < TIMEOUT_DISABLED) {
    throw new EventLoopArgumentError(
      `timeout frequency must be an integer >= -1 (ms; -1 disabled, 0 every turn), got ${frequencyMs}`,
    );
  }
}
