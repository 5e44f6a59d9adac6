import type { Logger } from "../common/logger.js";
import type { DomainRef } from "../domain/domain.js";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import { Job, type JobSpec, Lane } from "./lane.js";
import { addOneShotTimeout } from "./one-shot-timer.js";
import { createWorkerContext } from "./worker-context.js";
import { HandlerTimeoutError, WorkerPoolClosedError } from "./worker-errors.js";
import type { WorkerPoolStats } from "./worker-pool.js";
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
export class LaneScheduler {
  private readonly lanes = new Map<string, Lane>();
  private ready: Lane[] = [];
  private active = 0;
  private pumpScheduled = false;
  private queuedJobs = 0;

  constructor(
    private readonly loop: EventLoopImpl,
    private readonly logger: Logger,
    private readonly counters: PoolCounters,
    private readonly limits: SchedulerLimits,
    /** Called whenever the pool may have become idle (drain completion). */
    private readonly onMaybeIdle: () => void,
  ) {}

  /** Queues a job for `ref`'s lane: coalesced, dropped on overflow, or appended. */
  admit(ref: DomainRef, spec: JobSpec, timeoutMs: number): void {
    this.counters.submitted++;
    let lane = this.lanes.get(ref.uuid);
    if (lane === undefined) {
      lane = new Lane(ref.uuid);
      this.lanes.set(ref.uuid, lane);
    }
    if (spec.coalesceKey !== undefined) {
      const queued = lane.coalesce.get(spec.coalesceKey);
      if (queued !== undefined && queued.ref.incarnation === ref.incarnation) {
        queued.payload = spec.payload;
        this.counters.coalesced++;
        return;
      }
    }
    if (lane.queue.length >= this.limits.laneQueueLimit) {
      this.overflow(lane, ref, spec);
      this.forgetIfIdle(lane);
      return;
    }
    const job = new Job(lane, ref, spec, timeoutMs);
    lane.queue.push(job);
    this.queuedJobs++;
    if (spec.coalesceKey !== undefined) lane.coalesce.set(spec.coalesceKey, job);
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
      const job = lane.running;
      if (job === undefined) continue;
      abandoned++;
      job.abandoned = true;
      lane.running = undefined;
      this.clearTimers(job);
      this.releaseSlot(job);
      job.abort(closed);
      job.done("closed");
    }
    this.lanes.clear();
    this.ready = [];
    return abandoned;
  }

  private overflow(lane: Lane, ref: DomainRef, spec: JobSpec): void {
    lane.overflowDrops++;
    lane.episodeDrops++;
    this.counters.overflowDrops++;
    if (lane.episodeDrops === 1) {
      this.logger.warn(
        {
          domain: ref.name,
          uuid: ref.uuid,
          plugin: spec.plugin,
          event: spec.event,
          limit: this.limits.laneQueueLimit,
        },
        "domain lane full: new events are dropped until it has room",
      );
    }
    spec.onOutcome?.("overflow");
  }

  private markReady(lane: Lane): void {
    if (lane.running !== undefined || lane.ready || lane.queue.length === 0) return;
    lane.ready = true;
    this.ready.push(lane);
    this.schedulePump();
  }

  // Jobs start on a microtask, never inside submit(): a monitor callback must not run
  // handler code in its own turn.
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.limits.maxConcurrency && this.ready.length > 0) {
      const lane = this.ready.shift() as Lane;
      lane.ready = false;
      if (this.lanes.get(lane.domainUuid) === lane) this.startNext(lane);
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
      if (job.registration?.disposed) {
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
    job.timer = addOneShotTimeout(this.loop, this.logger, job.timeoutMs, () => this.onTimeout(job));
    // The child logger is built on first use (most jobs never log).
    const logger = (): Logger =>
      this.logger.child({
        domain: job.ref.name,
        uuid: job.ref.uuid,
        plugin: job.plugin,
        event: job.event,
      });
    const ctx = createWorkerContext(job, logger, () => this.counters.staleEmits++);
    let result: Promise<void>;
    try {
      result = Promise.resolve(job.run(job.payload, ctx));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      () => this.settle(job, ctx, false, undefined),
      (error: unknown) => this.settle(job, ctx, true, error),
    );
  }

  private onTimeout(job: Job): void {
    job.timer = undefined;
    if (job.settled || job.abandoned) return;
    job.timedOut = true;
    this.counters.plugin(job.plugin).timeouts++;
    job.abort(new HandlerTimeoutError(job.event, job.plugin, job.timeoutMs));
    this.logger.warn(
      { domain: job.ref.name, plugin: job.plugin, event: job.event, timeoutMs: job.timeoutMs },
      "handler timed out: its signal was aborted",
    );
    if (job.settled) return;
    job.graceTimer = addOneShotTimeout(this.loop, this.logger, this.limits.abortGraceMs, () =>
      this.onStuck(job),
    );
  }

  private onStuck(job: Job): void {
    job.graceTimer = undefined;
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

  /** `log.logger` is read only when something is logged (the job's child logger is lazy). */
  private settle(
    job: Job,
    log: { readonly logger: Logger },
    failed: boolean,
    error: unknown,
  ): void {
    if (job.settled) return;
    job.settled = true;
    this.clearTimers(job);
    job.detach?.();
    if (job.abandoned || job.stuck) {
      this.counters.lateSettles++;
      log.logger.warn({ failed }, "handler settled after it was declared stuck or abandoned");
    }
    if (job.abandoned) return;
    this.releaseSlot(job);
    const outcome = this.counters.recordOutcome(job, failed, error, log);
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
    if (lane.episodeDrops === 0 || lane.queue.length >= this.limits.laneQueueLimit) return;
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
    if (lane.idle && !lane.ready && this.lanes.get(lane.domainUuid) === lane) {
      this.lanes.delete(lane.domainUuid);
    }
  }

  isIdle(): boolean {
    for (const lane of this.lanes.values()) if (!lane.idle) return false;
    return true;
  }

  private clearTimers(job: Job): void {
    if (job.timer !== undefined) this.loop.removeTimeout(job.timer);
    if (job.graceTimer !== undefined) this.loop.removeTimeout(job.graceTimer);
    job.timer = undefined;
    job.graceTimer = undefined;
  }
}
