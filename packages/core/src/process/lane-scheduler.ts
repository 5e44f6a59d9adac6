import type { Logger } from "../common/logger.js";
import type { DomainRef } from "../domain/domain.js";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import { JobDeadlines } from "./job-deadlines.js";
import { Job, type JobKind, Lane } from "./lane.js";
import { JobContext, type JobHost } from "./worker-context.js";
import { HandlerTimeoutError, WorkerPoolClosedError } from "./worker-errors.js";
import type { JobOutcome, WorkerPoolStats } from "./worker-pool.js";
import type { PoolCounters } from "./worker-pool-stats.js";

/** The limits the scheduler enforces. @internal */
export interface SchedulerLimits {
  maxConcurrency: number;
  laneQueueLimit: number;
  abortGraceMs: number;
}

/**
 * The lanes of the worker pool and the machinery that runs their jobs: admission
 * (coalescing, overflow), round-robin start under the global bound, timeouts on the daemon's
 * loop, settlement and counters. `WorkerPoolImpl` validates and routes; this runs.
 * @internal
 */
export class LaneScheduler implements JobHost {
  private readonly lanes = new Map<string, Lane>();
  private ready: Lane[] = [];
  private active = 0;
  private pumpScheduled = false;
  /** True while pump() runs: it picks up lanes made ready meanwhile itself. */
  private pumping = false;
  private queuedJobs = 0;
  private readonly deadlines: JobDeadlines;
  private readonly pumpNow = (): void => {
    this.pumpScheduled = false;
    this.pump();
  };

  constructor(
    loop: EventLoopImpl,
    private readonly logger: Logger,
    private readonly counters: PoolCounters,
    private readonly limits: SchedulerLimits,
    /** Called whenever the pool may have become idle (drain completion). */
    private readonly onMaybeIdle: () => void,
  ) {
    this.deadlines = new JobDeadlines(loop, logger, {
      running: () => this.runningJobs(),
      onTimeout: (job) => this.onTimeout(job),
      onStuck: (job) => this.onStuck(job),
    });
  }

  /**
   * Queues a job of `kind` for `ref`'s lane: coalesced into the queued job of the same event
   * and `coalesceKey`, dropped on overflow, or appended.
   */
  admit(
    ref: DomainRef,
    kind: JobKind,
    payload: unknown,
    coalesceKey: string | undefined,
    onOutcome: ((outcome: JobOutcome) => void) | undefined,
  ): void {
    this.counters.submitted++;
    const uuid = ref.uuid;
    let lane = this.lanes.get(uuid);
    if (lane === undefined) {
      lane = new Lane(uuid);
      this.lanes.set(uuid, lane);
    }
    if (coalesceKey !== undefined) {
      const queued = lane.coalesced(kind.event, coalesceKey);
      if (queued !== undefined && queued.ref.incarnation === ref.incarnation) {
        queued.payload = payload;
        this.counters.coalesced++;
        return;
      }
    }
    if (lane.size >= this.limits.laneQueueLimit) {
      this.overflow(lane, ref, kind, onOutcome);
      this.forgetIfIdle(lane);
      return;
    }
    lane.push(new Job(lane, ref, kind, payload, coalesceKey, onOutcome));
    this.queuedJobs++;
    this.markReady(lane);
  }

  /** Jobs waiting in lanes (not running), all domains together. */
  get queued(): number {
    return this.queuedJobs;
  }

  /** Counters plus the live lanes. */
  stats(): WorkerPoolStats {
    return this.counters.snapshot(this.active, this.lanes.values());
  }

  /** Drops every queued job and aborts every running one; returns how many. */
  abandonAll(): number {
    let abandoned = 0;
    const closed = new WorkerPoolClosedError();
    for (const lane of this.lanes.values()) {
      for (const job of lane.removeWhere(() => true)) {
        this.queuedJobs--;
        abandoned++;
        job.done("closed");
      }
      lane.live = false;
      const job = lane.running;
      if (job === undefined) continue;
      abandoned++;
      job.abandoned = true;
      lane.running = undefined;
      this.deadlines.forget(job);
      this.releaseSlot(job);
      job.abort(closed);
      job.done("closed");
    }
    this.lanes.clear();
    this.ready = [];
    this.deadlines.stop();
    return abandoned;
  }

  /** Removes the pool's timeout once nothing runs (drain completed). */
  stopTimers(): void {
    this.deadlines.stop();
  }

  private overflow(
    lane: Lane,
    ref: DomainRef,
    kind: JobKind,
    onOutcome: ((outcome: JobOutcome) => void) | undefined,
  ): void {
    lane.overflowDrops++;
    lane.episodeDrops++;
    this.counters.overflowDrops++;
    if (lane.episodeDrops === 1) {
      this.logger.warn(
        {
          domain: ref.name,
          uuid: ref.uuid,
          plugin: kind.plugin,
          event: kind.event,
          limit: this.limits.laneQueueLimit,
        },
        "domain lane full: new events are dropped until it has room",
      );
    }
    onOutcome?.("overflow");
  }

  private markReady(lane: Lane): void {
    if (lane.running !== undefined || lane.ready || lane.size === 0) return;
    lane.ready = true;
    this.ready.push(lane);
    this.schedulePump();
  }

  // Jobs start on a microtask, never inside submit(): a monitor callback must not run
  // handler code in its own turn.
  private schedulePump(): void {
    if (this.pumpScheduled || this.pumping) return;
    this.pumpScheduled = true;
    queueMicrotask(this.pumpNow);
  }

  // A job whose handler completes synchronously settles inside start(): its lane is ready
  // again at once and takes its turn in this same loop, after the lanes already waiting.
  private pump(): void {
    this.pumping = true;
    try {
      while (this.active < this.limits.maxConcurrency && this.ready.length > 0) {
        const lane = this.ready.shift() as Lane;
        lane.ready = false;
        if (lane.live) this.startNext(lane);
      }
    } finally {
      this.pumping = false;
    }
    this.onMaybeIdle();
  }

  private startNext(lane: Lane): void {
    for (let job = lane.shift(); job !== undefined; job = lane.shift()) {
      this.queuedJobs--;
      this.noteRoom(lane);
      if (!job.ref.isCurrent()) {
        this.counters.staleDrops++;
        job.done("stale");
        continue;
      }
      if (job.kind.disposed) {
        this.counters.rejected++;
        this.logger.warn(
          { uuid: lane.domainUuid, event: job.event },
          "job dropped: its handler was unregistered",
        );
        job.done("rejected");
        continue;
      }
      this.start(job);
      return;
    }
    this.forgetIfIdle(lane);
  }

  private start(job: Job): void {
    job.lane.running = job;
    job.holdsSlot = true;
    this.active++;
    const ctx = new JobContext(job, this);
    let result: Promise<void> | void;
    try {
      result = job.kind.run(job.payload, ctx);
    } catch (error) {
      this.settle(job, true, error);
      return;
    }
    if (!isThenable(result)) {
      this.settle(job, false, undefined);
      return;
    }
    this.deadlines.watchTimeout(job);
    // A foreign thenable is adopted first, so that it cannot call back twice or synchronously.
    const promise = result instanceof Promise ? result : Promise.resolve(result);
    promise.then(
      () => this.settle(job, false, undefined),
      (error: unknown) => this.settle(job, true, error),
    );
  }

  /** The job's child logger, built on first use (most jobs never log). */
  loggerOf(job: Job): Logger {
    job.logger ??= this.logger.child({
      domain: job.ref.name,
      uuid: job.ref.uuid,
      plugin: job.kind.plugin,
      event: job.kind.event,
    });
    return job.logger;
  }

  staleEmit(): void {
    this.counters.staleEmits++;
  }

  private onTimeout(job: Job): void {
    if (job.settled || job.abandoned) return;
    job.timedOut = true;
    this.counters.plugin(job.plugin).timeouts++;
    job.abort(new HandlerTimeoutError(job.event, job.plugin, job.kind.timeoutMs));
    this.logger.warn(
      { domain: job.ref.name, plugin: job.plugin, event: job.event, timeoutMs: job.kind.timeoutMs },
      "handler timed out: its signal was aborted",
    );
    if (job.settled) return;
    this.deadlines.watchGrace(job, this.limits.abortGraceMs);
  }

  private onStuck(job: Job): void {
    if (job.settled || job.abandoned) return;
    job.stuck = true;
    this.counters.plugin(job.plugin).stuck++;
    this.logger.error(
      {
        domain: job.ref.name,
        plugin: job.plugin,
        event: job.event,
        graceMs: this.limits.abortGraceMs,
      },
      "handler ignores its aborted signal: the domain's lane is blocked until it settles",
    );
    // Give the global slot back: a stuck handler must not starve the other domains.
    this.releaseSlot(job);
  }

  private settle(job: Job, failed: boolean, error: unknown): void {
    if (job.settled) return;
    job.settled = true;
    this.deadlines.forget(job);
    job.detach?.();
    if (job.abandoned || job.stuck) {
      this.counters.lateSettles++;
      this.loggerOf(job).warn(
        { failed },
        "handler settled after it was declared stuck or abandoned",
      );
    }
    if (job.abandoned) return;
    this.releaseSlot(job);
    const outcome = this.counters.recordOutcome(job, failed, error, this);
    job.done(outcome);
    const lane = job.lane;
    if (lane.running === job) lane.running = undefined;
    this.markReady(lane);
    this.forgetIfIdle(lane);
    this.schedulePump();
  }

  private releaseSlot(job: Job): void {
    if (!job.holdsSlot) return;
    job.holdsSlot = false;
    this.active--;
    this.schedulePump();
  }

  private noteRoom(lane: Lane): void {
    if (lane.episodeDrops === 0 || lane.size >= this.limits.laneQueueLimit) return;
    this.logger.warn(
      { uuid: lane.domainUuid, dropped: lane.episodeDrops },
      "domain lane has room again; events were dropped while it was full",
    );
    lane.episodeDrops = 0;
  }

  purgeStale(domainUuid: string): void {
    const lane = this.lanes.get(domainUuid);
    if (lane === undefined) return;
    for (const job of lane.removeWhere((j) => !j.ref.isCurrent())) {
      this.queuedJobs--;
      this.counters.staleDrops++;
      job.done("stale");
    }
    this.noteRoom(lane);
    this.forgetIfIdle(lane);
    this.onMaybeIdle();
  }

  private forgetIfIdle(lane: Lane): void {
    if (lane.idle && !lane.ready && lane.live) {
      lane.live = false;
      this.lanes.delete(lane.domainUuid);
    }
  }

  isIdle(): boolean {
    for (const lane of this.lanes.values()) if (!lane.idle) return false;
    return true;
  }

  private *runningJobs(): Iterable<Job> {
    for (const lane of this.lanes.values()) if (lane.running !== undefined) yield lane.running;
  }
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
