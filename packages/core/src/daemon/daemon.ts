import type { DependencyContainer } from "tsyringe";
import type { Logger } from "../common/logger.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import { CoreError } from "../errors/core-error.js";
import type { DomainEventState } from "../events/domain-event-state.js";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import type { EventLoopRegistry } from "../loop/event-loop-registry.js";
import type { EventLoopSpec } from "../loop/event-loop-slot.js";
import type { AnyPlugin } from "../plugin/plugin.js";
import type { PluginHost } from "../plugin/plugin-host.js";
import type { DrainResult, WorkerPool, WorkerPoolOptions } from "../process/worker-pool.js";
import type { StateStore } from "../state/state-store.js";
import type { MonitorBridge } from "./monitor-bridge.js";

/** How long `close()` lets in-flight workers finish by default, in milliseconds. */
export const DEFAULT_CLOSE_DEADLINE_MS = 10_000;
/**
 * Most flush rounds `close()` runs for public events (a subscriber that queues an event from
 * its callback makes one more round; this bounds a subscriber that always does).
 */
export const MAX_CLOSE_FLUSH_ROUNDS = 16;

/** Options of {@link createDaemon}. */
export interface DaemonOptions {
  /** The event loop: a registered implementation name or an instance. Default `"node"`. */
  loop?: EventLoopSpec;
  /** Where loop names are looked up. Default: the process-wide `defaultEventLoopRegistry`. */
  loopRegistry?: EventLoopRegistry;
  /** The plugins to load at `start()`. */
  plugins?: readonly AnyPlugin[];
  /** Raw options per plugin name, parsed with each plugin's `options` schema. */
  pluginOptions?: Readonly<Record<string, unknown>>;
  /** Default: a silent logger. */
  logger?: Logger;
  /** Default: an in-memory store. Loaded at `start()`, closed at `close()`. */
  stateStore?: StateStore;
  /** Bounds and timeouts of the worker pool. */
  workerPool?: WorkerPoolOptions;
  /** Install SIGINT / SIGTERM / SIGQUIT (graceful close) and SIGHUP (reload) handlers at start. */
  handleSignals?: boolean;
  /** Called by `reload()` (and on SIGHUP). */
  onReload?: (daemon: Daemon) => void | Promise<void>;
}

/** What `close()` reports. */
export interface DaemonCloseResult {
  /** The worker pool's drain: whether everything finished before the deadline. */
  drain: DrainResult;
  /** Public events delivered by the final flushes. */
  flushedEvents: number;
}

/** Where a daemon is in its life. */
export type DaemonState = "created" | "starting" | "running" | "closing" | "closed";

/**
 * One management daemon: a DI container of its own with the loop, domains, worker pool,
 * public events and plugins. Two daemons in one process share nothing.
 *
 * The loop can be re-selected with `selectLoop()` until it is first used (any service access)
 * and at the latest `start()`; afterwards a swap throws `EventLoopLockedError` (row 16).
 *
 * @example
 * const daemon = createDaemon({ plugins: [tray], logger: createLogger(), handleSignals: true });
 * await daemon.start();
 * daemon.events.registerAny({ event: LifecycleEvent, callback: (dom, ev) => {} });
 * // ... later
 * await daemon.close({ deadlineMs: 5_000 });
 */
export interface Daemon {
  /** The daemon's own DI container (plugins get child containers of it). */
  readonly container: DependencyContainer;
  readonly loop: EventLoopImpl;
  readonly domains: DomainRegistry;
  readonly events: DomainEventState;
  readonly workers: WorkerPool;
  readonly stateStore: StateStore;
  readonly plugins: PluginHost;
  /** Entry points for the monitor protocol package. */
  readonly bridge: MonitorBridge;
  readonly logger: Logger;
  readonly state: DaemonState;
  /** Replaces the loop before it is used. @throws EventLoopLockedError once in use. */
  selectLoop(spec: EventLoopSpec): EventLoopImpl;
  /**
   * Loads the state store, validates and sets up the plugins (in dependency order), locks the
   * loop and installs signal handlers. On failure the daemon is closed and the error rethrown.
   * @throws PluginValidationError, PluginSetupError, DaemonStateError
   */
  start(): Promise<void>;
  /**
   * Graceful shutdown, in order: drain workers (within `deadlineMs`), flush pending public
   * events, dispose the plugins (LIFO), close the state store, dispose the container, close the
   * loop. Idempotent: later calls return the first call's promise.
   */
  close(options?: { deadlineMs?: number }): Promise<DaemonCloseResult>;
  /** Runs the `onReload` hook (SIGHUP does this). */
  reload(): Promise<void>;
}

/** A daemon method was called in a state that does not allow it (start twice, start after close). */
export class DaemonStateError extends CoreError {
  constructor(
    readonly state: string,
    readonly operation: string,
  ) {
    super("VIRTEVENT_ERR_DAEMON_STATE", `cannot ${operation} a daemon that is ${state}`);
  }
}
