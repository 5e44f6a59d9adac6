import { type DependencyContainer, type InjectionToken, inject, injectable } from "tsyringe";
import { type Disposable, DisposableStore, toDisposable } from "../common/disposable.js";
import type { Logger } from "../common/logger.js";
import { TOKENS } from "../di/tokens.js";
import type { DomainRegistry } from "../domain/domain-registry.js";
import type { EventLoopImpl, TimerId } from "../loop/event-loop-impl.js";
import type { JobKind } from "./lane.js";
import { LaneScheduler } from "./lane-scheduler.js";
import { addOneShotTimeout } from "./one-shot-timer.js";
import type {
  ProcessEventHandler,
  ProcessEventHandlerClass,
  ProcessEventType,
  WorkerContext,
} from "./process-event.js";
import { ProcessEventHandlerExistsError, WorkerPoolOptionsError } from "./worker-errors.js";
import {
  type DrainResult,
  HANDLER_ABORT_GRACE_MS,
  HANDLER_TIMEOUT_MS,
  type HandlerRegistrationOptions,
  type JobOutcome,
  LANE_QUEUE_LIMIT,
  MAX_CONCURRENT_HANDLERS,
  type SubmitOptions,
  type WorkerPool,
  type WorkerPoolOptions,
  type WorkerPoolStats,
} from "./worker-pool.js";
import { PoolCounters } from "./worker-pool-stats.js";

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new WorkerPoolOptionsError(name, value);
  return value;
}

/**
 * Default {@link WorkerPool}: per-domain lanes on the daemon's event loop (see the interface
 * for the policies). Resolve it from the daemon container, or build it directly in tests.
 * Disposing it (the container does at close) abandons whatever still runs.
 */
@injectable()
export class WorkerPoolImpl implements WorkerPool, Disposable {
  private readonly handlerTimeoutMs: number;
  private readonly handlers = new Map<string, JobKind>();
  private readonly counters = new PoolCounters();
  private readonly scheduler: LaneScheduler;
  private readonly subscriptions = new DisposableStore();
  private readonly warned = new Set<string>();
  private closing = false;
  private drainPromise: Promise<DrainResult> | undefined;
  private finishDrain: ((result: DrainResult) => void) | undefined;
  private drainTimer: TimerId | undefined;

  constructor(
    @inject(TOKENS.EventLoopImpl) private readonly loop: EventLoopImpl,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.DomainRegistry) private readonly registry: DomainRegistry,
    @inject(TOKENS.DependencyContainer) private readonly container: DependencyContainer,
    @inject(TOKENS.WorkerPoolOptions) options: WorkerPoolOptions,
  ) {
    this.handlerTimeoutMs = positiveInt(
      "handlerTimeoutMs",
      options.handlerTimeoutMs,
      HANDLER_TIMEOUT_MS,
    );
    const limits = {
      maxConcurrency: positiveInt(
        "maxConcurrency",
        options.maxConcurrency,
        MAX_CONCURRENT_HANDLERS,
      ),
      laneQueueLimit: positiveInt("laneQueueLimit", options.laneQueueLimit, LANE_QUEUE_LIMIT),
      abortGraceMs: positiveInt("abortGraceMs", options.abortGraceMs, HANDLER_ABORT_GRACE_MS),
    };
    this.scheduler = new LaneScheduler(loop, logger, this.counters, limits, () =>
      this.checkDrained(),
    );
    // Queued work of an ended incarnation goes at once, not when its turn comes.
    this.subscriptions.add(
      registry.onDidChangeLifecycle((domain, change) => {
        if (change.event === "stopped" || change.event === "started") {
          this.scheduler.purgeStale(domain.uuid);
        }
      }),
    );
    this.subscriptions.add(
      registry.onDidRemoveDomain((domain) => this.scheduler.purgeStale(domain.uuid)),
    );
  }

  registerHandler<T>(
    type: ProcessEventType<T>,
    handler: ProcessEventHandlerClass<T>,
    options: HandlerRegistrationOptions,
  ): Disposable {
    const existing = this.handlers.get(type.name);
    if (existing !== undefined) {
      throw new ProcessEventHandlerExistsError(type.name, options.plugin, existing.plugin);
    }
    if (options.timeoutMs !== undefined) positiveInt("timeoutMs", options.timeoutMs, 0);
    const container = options.container ?? this.container;
    const token = handler as unknown as InjectionToken<ProcessEventHandler<T>>;
    const registration: JobKind = {
      plugin: options.plugin,
      event: type.name,
      container,
      timeoutMs: options.timeoutMs ?? this.handlerTimeoutMs,
      // A fresh instance per event: handlers keep no state between events.
      run: (payload, ctx) => container.resolve(token).handle(payload as T, ctx),
      disposed: false,
      sink: undefined,
      stats: undefined,
    };
    this.handlers.set(type.name, registration);
    return toDisposable(() => {
      registration.disposed = true;
      if (this.handlers.get(type.name) === registration) this.handlers.delete(type.name);
    });
  }

  submit<T>(
    domainUuid: string,
    type: ProcessEventType<T>,
    payload: T,
    options?: SubmitOptions,
  ): void {
    try {
      const registration = this.handlers.get(type.name);
      if (registration === undefined) {
        this.reject("no handler is registered", domainUuid, type.name, undefined);
        return;
      }
      this.enqueue(domainUuid, registration, payload, options?.coalesceKey, undefined);
    } catch (error) {
      // submit() runs inside monitor callbacks: nothing may escape.
      this.counters.rejected++;
      this.logger.error({ err: error, uuid: domainUuid, event: type.name }, "submit failed");
    }
  }

  runInLane(
    domainUuid: string,
    owner: { plugin: string; label: string; timeoutMs?: number },
    fn: (ctx: WorkerContext) => Promise<void> | void,
  ): Promise<JobOutcome> {
    return new Promise<JobOutcome>((resolve) => {
      try {
        const kind: JobKind = {
          plugin: owner.plugin,
          event: owner.label,
          container: this.container,
          timeoutMs: owner.timeoutMs ?? this.handlerTimeoutMs,
          run: (_payload, ctx) => fn(ctx),
          disposed: false,
          sink: undefined,
          stats: undefined,
        };
        this.enqueue(domainUuid, kind, undefined, undefined, resolve);
      } catch (error) {
        this.counters.rejected++;
        this.logger.error({ err: error, uuid: domainUuid, event: owner.label }, "runInLane failed");
        resolve("rejected");
      }
    });
  }

  drain(deadlineMs: number): Promise<DrainResult> {
    if (this.drainPromise !== undefined) return this.drainPromise;
    this.closing = true;
    this.drainPromise = new Promise<DrainResult>((resolve) => {
      this.finishDrain = resolve;
    });
    if (this.scheduler.isIdle()) {
      this.completeDrain({ drained: true, abandoned: 0 });
    } else {
      if (deadlineMs > 0)
        this.drainTimer = addOneShotTimeout(this.loop, this.logger, deadlineMs, () =>
          this.abandon(),
        );
      // No deadline, or no loop to keep one: abandon now.
      if (this.drainTimer === undefined) this.abandon();
    }
    return this.drainPromise;
  }

  /** Closes intake and abandons everything at once. */
  dispose(): void {
    this.closing = true;
    this.subscriptions.dispose();
    this.abandon();
  }

  stats(): WorkerPoolStats {
    return this.scheduler.stats();
  }

  get queuedJobs(): number {
    return this.scheduler.queued;
  }

  private enqueue(
    domainUuid: string,
    kind: JobKind,
    payload: unknown,
    coalesceKey: string | undefined,
    onOutcome: ((outcome: JobOutcome) => void) | undefined,
  ): void {
    if (this.closing) {
      this.reject("the pool is closed", domainUuid, kind.event, onOutcome, "closed");
      return;
    }
    const domain = this.registry.findByUuid(domainUuid);
    if (domain === undefined) {
      this.reject("unknown domain", domainUuid, kind.event, onOutcome);
      return;
    }
    const ref = this.registry.ref(domain.uuid);
    if (!ref.isCurrent()) {
      this.counters.staleDrops++;
      this.logger.debug({ domain: domain.name, event: kind.event }, "domain not live: job dropped");
      onOutcome?.("stale");
      return;
    }
    this.scheduler.admit(ref, kind, payload, coalesceKey, onOutcome);
  }

  private reject(
    why: string,
    domainUuid: string,
    event: string,
    onOutcome: ((outcome: JobOutcome) => void) | undefined,
    outcome: JobOutcome = "rejected",
  ): void {
    this.counters.rejected++;
    const key = `${why}\0${event}`;
    // The first refusal of a kind is a warning; repeats (a storm for a removed domain) are debug.
    const level = this.warned.has(key) ? "debug" : "warn";
    this.warned.add(key);
    this.logger[level]({ uuid: domainUuid, event }, `process event refused: ${why}`);
    onOutcome?.(outcome);
  }

  private checkDrained(): void {
    if (this.finishDrain !== undefined && this.scheduler.isIdle()) {
      this.completeDrain({ drained: true, abandoned: 0 });
    }
  }

  private abandon(): void {
    this.drainTimer = undefined;
    const abandoned = this.scheduler.abandonAll();
    if (abandoned > 0) this.logger.warn({ abandoned }, "worker pool closed with jobs unfinished");
    this.completeDrain({ drained: abandoned === 0, abandoned });
  }

  private completeDrain(result: DrainResult): void {
    if (this.drainTimer !== undefined) this.loop.removeTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.scheduler.stopTimers();
    const finish = this.finishDrain;
    this.finishDrain = undefined;
    finish?.(result);
  }
}
