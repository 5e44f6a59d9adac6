import type { Duplex } from "node:stream";

/**
 * Readiness bits a handle can watch and report, libvirt's VIR_EVENT_HANDLE_* values.
 * ERROR and HANGUP are reported even when not asked for, as poll(2) does, unless the handle's
 * mask is 0 (disabled).
 */
export const HandleEvents = {
  READABLE: 1,
  WRITABLE: 2,
  ERROR: 4,
  HANGUP: 8,
} as const;

/** A bit set of {@link HandleEvents}. */
export type HandleEventMask = number;

/** Id of a registered handle: starts at 1, never reused by the same loop. */
export type WatchId = number;

/** Id of a registered timeout: starts at 1, never reused; counted apart from watch ids. */
export type TimerId = number;

/**
 * Called when a watched stream is ready. The owner reads or writes `source` itself (the loop
 * never consumes data). `error` is set when `events` contains ERROR.
 */
export type HandleCallback = (
  watch: WatchId,
  source: Duplex,
  events: HandleEventMask,
  error?: Error,
) => void;

/** Called when a timeout fires. */
export type TimeoutCallback = (timer: TimerId) => void;

/** Runs once when a handle or timeout is removed, after the dispatch that removed it ends. */
export type FreeCallback = () => void;

/** Timeout frequency that keeps the timer registered but never fires it. */
export const TIMEOUT_DISABLED = -1;

/**
 * The event-loop contract, libvirt's virEventRegisterImpl, one per daemon.
 *
 * Handles watch paused-mode Duplex streams and report readiness; timeouts fire with libvirt's
 * frequency semantics (-1 disabled but kept, 0 every loop turn without starving I/O, >0
 * periodic in milliseconds from the last add/update). Removal is immediate for dispatch: a
 * removed entry never fires again, even later in the same turn; its free callback runs exactly
 * once, after the current dispatch. Every implementation proves itself with
 * `describeEventLoopConformance` from `@virtevent/core/testing`.
 */
export interface EventLoopImpl {
  /** Name the implementation is registered under, for logs and errors. */
  readonly name: string;
  /** Watches `source` for `events`; returns a new watch id. */
  addHandle(
    source: Duplex,
    events: HandleEventMask,
    cb: HandleCallback,
    free?: FreeCallback,
  ): WatchId;
  /** Changes the watched events at once (0 disables the handle). False for an unknown id. */
  updateHandle(watch: WatchId, events: HandleEventMask): boolean;
  /** Stops watching; the stream is left open. False for an unknown or already removed id. */
  removeHandle(watch: WatchId): boolean;
  /** Adds a timeout firing every `frequencyMs` (-1 disabled, 0 every turn). */
  addTimeout(frequencyMs: number, cb: TimeoutCallback, free?: FreeCallback): TimerId;
  /** Changes the frequency at once; a positive period restarts from now. */
  updateTimeout(timer: TimerId, frequencyMs: number): boolean;
  /** Removes a timeout. False for an unknown or already removed id. */
  removeTimeout(timer: TimerId): boolean;
  /**
   * Removes every handle and timeout, runs their free callbacks, and resolves once nothing of
   * the loop is pending. Adding anything afterwards throws `EventLoopClosedError`.
   */
  close(): Promise<void>;
  /**
   * Optional: the loop's clock in milliseconds (monotonic; any origin, fractions allowed), the
   * one its positive timeouts run on. With it, a consumer keeping many deadlines (the worker
   * pool) arms one timeout at the earliest instead of one per deadline. A loop on virtual
   * time must return its virtual time; a wrapper should forward its inner loop's.
   */
  now?(): number;
}
