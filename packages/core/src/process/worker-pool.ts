import type { DependencyContainer } from "tsyringe";
import type { Disposable } from "../common/disposable.js";
import type { ProcessEventHandlerClass, ProcessEventType, WorkerContext } from "./process-event.js";

/** Default global bound on handlers running at once, across all domains. */
export const MAX_CONCURRENT_HANDLERS = 16;
/** Default bound on the events waiting in one domain's lane (the running one not counted). */
export const LANE_QUEUE_LIMIT = 1024;
/** Default time a handler may run before its signal is aborted, in milliseconds. */
export const HANDLER_TIMEOUT_MS = 30_000;
/**
 * Time a handler may take to settle after its signal was aborted for a timeout before it is
 * declared stuck, in milliseconds.
 */
export const HANDLER_ABORT_GRACE_MS = 1_000;

/** Tunables of the worker pool, injected with `TOKENS.WorkerPoolOptions`; all optional. */
export interface WorkerPoolOptions {
  /** Global bound on running handlers (default {@link MAX_CONCURRENT_HANDLERS}). */
  maxConcurrency?: number;
  /** Per-lane queue bound (default {@link LANE_QUEUE_LIMIT}). */
  laneQueueLimit?: number;
  /** Per-handler timeout (default {@link HANDLER_TIMEOUT_MS}); a registration may override. */
  handlerTimeoutMs?: number;
  /** Grace after a timeout before "stuck" (default {@link HANDLER_ABORT_GRACE_MS}). */
  abortGraceMs?: number;
}

/** Options of `registerHandler`. */
export interface HandlerRegistrationOptions {
  /** Owning plugin, for logs and counters. */
  plugin: string;
  /** Container the handler class is resolved from (the plugin's); default the daemon's. */
  container?: DependencyContainer;
  /** Overrides the pool's handler timeout for this type, in milliseconds. */
  timeoutMs?: number;
}

/** Options of `submit`. */
export interface SubmitOptions {
  /**
   * Events of the same type and key that are still queued in the domain's lane are merged:
   * the latest payload replaces the queued one, which keeps its place in the queue.
   */
  coalesceKey?: string;
}

/** How one job ended; what `runInLane` resolves to. */
export type JobOutcome =
  | "done"
  | "failed"
  | "timed-out"
  | "cancelled"
  | "stale"
  | "overflow"
  | "rejected"
  | "closed";

/** Counters of one plugin's handlers. */
export interface PluginWorkerStats {
  completed: number;
  errors: number;
  timeouts: number;
  /** Handlers that ignored their aborted signal past the grace period. */
  stuck: number;
  /** Rejections after the incarnation ended or the pool closed (expected, not errors). */
  cancelled: number;
}

/** One lane's state in {@link WorkerPoolStats}. */
export interface LaneStats {
  domainUuid: string;
  queued: number;
  running: boolean;
  overflowDrops: number;
  /** Set while the lane is blocked by a handler that ignores its abort. */
  stuck?: { plugin: string; event: string };
}

/** A snapshot of the pool's counters. */
export interface WorkerPoolStats {
  /** Handlers holding a global slot now. */
  running: number;
  queued: number;
  submitted: number;
  coalesced: number;
  overflowDrops: number;
  /** Jobs dropped because their incarnation ended before they started. */
  staleDrops: number;
  /** Submits refused: unknown domain, no handler, pool closed. */
  rejected: number;
  /** `ctx.emit` calls dropped because the incarnation had ended. */
  staleEmits: number;
  /** Handlers that settled after being declared stuck or abandoned. */
  lateSettles: number;
  stuckLanes: number;
  lanes: LaneStats[];
  plugins: Record<string, PluginWorkerStats>;
}

/** What `drain` resolves to. */
export interface DrainResult {
  /** True when every queued and running job finished before the deadline. */
  drained: boolean;
  /** Jobs aborted or dropped at the deadline. */
  abandoned: number;
}

/**
 * Runs process-event handlers in per-domain lanes (libvirt's qemuProcessEvent worker,
 * improved). Injected with `TOKENS.WorkerPool`; default `WorkerPoolImpl`.
 *
 * - FIFO within a domain, parallel across domains, at most `maxConcurrency` at once; lanes
 *   take turns (round robin) for free slots.
 * - Overflow: a submit to a lane holding `laneQueueLimit` events is dropped (the newest
 *   loses, so accepted events stay in order), counted per lane, logged at the first drop of an
 *   overflow episode and once more with the total when the lane has room again.
 * - Coalescing (see {@link SubmitOptions.coalesceKey}): only queued jobs merge; a running one
 *   is never changed, so a storm costs at most one running plus one queued job per key.
 * - Timeouts: the handler's signal is aborted `handlerTimeoutMs` after it returned its
 *   promise (a handler that completes synchronously cannot be interrupted and is not timed); a
 *   handler still running `abortGraceMs` later is declared stuck (logged, counted): its lane
 *   stays blocked to keep FIFO, but its global slot is given back so stuck handlers never
 *   starve other domains.
 *   The number of handlers in flight is thus at most `maxConcurrency` plus the stuck lanes.
 * - Errors (sync throws and rejections) are caught, logged with the plugin name and counted.
 * - A job whose incarnation ended before it started is dropped (`staleDrops`).
 * - Timers come from the daemon's EventLoopImpl, so tests run on virtual time. On a loop with a
 *   clock (`EventLoopImpl.now`) all running handlers share one timeout, armed at the earliest
 *   deadline; otherwise each handler gets its own.
 */
export interface WorkerPool {
  /**
   * Registers the handler class of `type`. @throws ProcessEventHandlerExistsError when `type`
   * already has one.
   */
  registerHandler<T>(
    type: ProcessEventType<T>,
    handler: ProcessEventHandlerClass<T>,
    options: HandlerRegistrationOptions,
  ): Disposable;
  /**
   * Queues `payload` in the lane of `domainUuid`, bound to the domain's current incarnation.
   * Synchronous and never throws: refusals are counted and logged.
   */
  submit<T>(
    domainUuid: string,
    type: ProcessEventType<T>,
    payload: T,
    options?: SubmitOptions,
  ): void;
  /**
   * Runs `fn` in the domain's lane like a handler (FIFO, timeout, counters): for plugin
   * connect / resync hooks. Never rejects; resolves to how the job ended.
   */
  runInLane(
    domainUuid: string,
    owner: { plugin: string; label: string; timeoutMs?: number },
    fn: (ctx: WorkerContext) => Promise<void> | void,
  ): Promise<JobOutcome>;
  /**
   * Stops intake (later submits are `rejected`), lets queued and running jobs finish, and at
   * `deadlineMs` aborts what still runs and drops what is queued.
   */
  drain(deadlineMs: number): Promise<DrainResult>;
  stats(): WorkerPoolStats;
  /** Jobs waiting in lanes (not yet running), all domains together; cheap to read. */
  readonly queuedJobs: number;
}
