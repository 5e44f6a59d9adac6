import type { DependencyContainer } from "tsyringe";
import type { DomainRef } from "../domain/domain.js";
import type { TimerId } from "../loop/event-loop-impl.js";
import type { WorkerContext } from "./process-event.js";
import type { JobOutcome } from "./worker-pool.js";

/** A handler registration. @internal */
export interface HandlerRegistration {
  readonly eventName: string;
  readonly plugin: string;
  readonly container: DependencyContainer;
  readonly timeoutMs: number | undefined;
  readonly run: (payload: unknown, ctx: WorkerContext) => Promise<void> | void;
  disposed: boolean;
}

/** What `submit` and `runInLane` ask the scheduler to run. @internal */
export interface JobSpec {
  plugin: string;
  /** Process event name, or the label of a `runInLane` job. */
  event: string;
  container: DependencyContainer;
  timeoutMs: number | undefined;
  run: (payload: unknown, ctx: WorkerContext) => Promise<void> | void;
  payload: unknown;
  /** Already scoped by event name. */
  coalesceKey: string | undefined;
  registration: HandlerRegistration | undefined;
  onOutcome?: (outcome: JobOutcome) => void;
}

/** One queued or running unit of work of a lane. @internal */
export class Job {
  readonly plugin: string;
  readonly event: string;
  readonly container: DependencyContainer;
  readonly run: JobSpec["run"];
  readonly coalesceKey: string | undefined;
  readonly registration: HandlerRegistration | undefined;
  /** Latest payload (coalescing replaces it while queued). */
  payload: unknown;
  controller: AbortController | undefined = undefined;
  holdsSlot = false;
  timer: TimerId | undefined = undefined;
  graceTimer: TimerId | undefined = undefined;
  timedOut = false;
  stuck = false;
  abandoned = false;
  settled = false;
  detach: (() => void) | undefined = undefined;
  private onOutcome: ((outcome: JobOutcome) => void) | undefined;
  private abortedEarly = false;
  private earlyReason: unknown = undefined;

  /**
   * The job's signal, created on first use (most handlers never read it); it follows the
   * domain's signal from then on.
   */
  signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      const domainSignal = this.ref.signal;
      if (this.abortedEarly) controller.abort(this.earlyReason);
      else if (domainSignal.aborted) controller.abort(domainSignal.reason);
      else if (!this.settled) {
        const onStale = (): void => controller.abort(domainSignal.reason);
        domainSignal.addEventListener("abort", onStale, { once: true });
        this.detach = () => domainSignal.removeEventListener("abort", onStale);
      }
    }
    return this.controller.signal;
  }

  /** Aborts the job's signal (or records the reason until the signal is created). */
  abort(reason: unknown): void {
    if (this.controller !== undefined) this.controller.abort(reason);
    else if (!this.abortedEarly) {
      this.abortedEarly = true;
      this.earlyReason = reason;
    }
  }

  /** True once the job was aborted (timeout, pool closed) or its domain went stale. */
  get aborted(): boolean {
    if (this.controller !== undefined) return this.controller.signal.aborted;
    return this.abortedEarly || this.ref.signal.aborted;
  }

  constructor(
    readonly lane: Lane,
    readonly ref: DomainRef,
    spec: JobSpec,
    readonly timeoutMs: number,
  ) {
    this.plugin = spec.plugin;
    this.event = spec.event;
    this.container = spec.container;
    this.run = spec.run;
    this.payload = spec.payload;
    this.coalesceKey = spec.coalesceKey;
    this.registration = spec.registration;
    this.onOutcome = spec.onOutcome;
  }

  /** Reports the outcome once (a job abandoned at drain may settle again later). */
  done(outcome: JobOutcome): void {
    const report = this.onOutcome;
    this.onOutcome = undefined;
    report?.(outcome);
  }
}

/** The ordered queue of one domain. @internal */
export class Lane {
  readonly queue: Job[] = [];
  /** Queued jobs by `event name + NUL + coalesce key`. */
  readonly coalesce = new Map<string, Job>();
  running: Job | undefined = undefined;
  /** True while the lane waits in the pool's ready list. */
  ready = false;
  overflowDrops = 0;
  /** Drops since the lane last had room; logged when the episode ends. */
  episodeDrops = 0;

  constructor(readonly domainUuid: string) {}

  /** Takes the next job, forgetting its coalescing entry. */
  shift(): Job | undefined {
    const job = this.queue.shift();
    if (job?.coalesceKey !== undefined && this.coalesce.get(job.coalesceKey) === job) {
      this.coalesce.delete(job.coalesceKey);
    }
    return job;
  }

  /** Removes the queued jobs `drop` selects; returns them. */
  removeWhere(drop: (job: Job) => boolean): Job[] {
    const removed: Job[] = [];
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i];
      if (!drop(job)) continue;
      this.queue.splice(i, 1);
      if (job.coalesceKey !== undefined && this.coalesce.get(job.coalesceKey) === job) {
        this.coalesce.delete(job.coalesceKey);
      }
      removed.unshift(job);
    }
    return removed;
  }

  get idle(): boolean {
    return this.running === undefined && this.queue.length === 0;
  }
}
