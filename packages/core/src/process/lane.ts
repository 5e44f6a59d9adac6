import type { DependencyContainer } from "tsyringe";
import type { Logger } from "../common/logger.js";
import type { DomainRef } from "../domain/domain.js";
import type { DomainEventSink } from "../events/domain-event-type.js";
import type { TimerId } from "../loop/event-loop-impl.js";
import type { WorkerContext } from "./process-event.js";
import type { JobOutcome, PluginWorkerStats } from "./worker-pool.js";

/**
 * What a job runs: a handler registration (shared by all of its events) or one `runInLane`
 * call. Everything a job needs that does not change per event lives here, so that a job is one
 * small object.
 * @internal
 */
export interface JobKind {
  readonly plugin: string;
  /** Process event name, or the label of a `runInLane` job. */
  readonly event: string;
  readonly container: DependencyContainer;
  /** The timeout in force (the registration's own, or the pool's). */
  readonly timeoutMs: number;
  readonly run: (payload: unknown, ctx: WorkerContext) => Promise<void> | void;
  /** Set when a handler registration is disposed: its queued jobs are dropped. */
  disposed: boolean;
  /** The daemon's event sink, resolved from `container` at the first emit. */
  sink: DomainEventSink | undefined;
  /** The plugin's counters, looked up once. */
  stats: PluginWorkerStats | undefined;
}

/** One queued or running unit of work of a lane. @internal */
export class Job {
  /** Latest payload (coalescing replaces it while queued). */
  payload: unknown;
  holdsSlot = false;
  timedOut = false;
  /** Ignored its aborted signal past the grace period. */
  stuck = false;
  /** Dropped or aborted by the pool's close while it ran. */
  abandoned = false;
  settled = false;
  // Deadlines start undefined, not +Infinity: a double field would cost every job a boxed
  // number, and most jobs never get a deadline.
  /** Loop time at which the handler times out (set once it runs asynchronously). */
  deadline: number | undefined = undefined;
  /** Loop time at which a timed-out handler is declared stuck. */
  graceDeadline: number | undefined = undefined;
  /** Per-deadline timer, only on loops without a clock (see `JobDeadlines`). */
  timer: TimerId | undefined = undefined;
  controller: AbortController | undefined = undefined;
  private abortedEarly = false;
  /** The abort reason recorded while no AbortController existed. */
  private earlyReason: unknown = undefined;
  detach: (() => void) | undefined = undefined;
  /** The job's child logger, built on first use (most jobs never log). */
  logger: Logger | undefined = undefined;

  constructor(
    readonly lane: Lane,
    readonly ref: DomainRef,
    readonly kind: JobKind,
    payload: unknown,
    /** The caller's key, scoped by `kind.event` in the lane's coalescing table. */
    readonly coalesceKey: string | undefined,
    private onOutcome: ((outcome: JobOutcome) => void) | undefined,
  ) {
    this.payload = payload;
  }

  get plugin(): string {
    return this.kind.plugin;
  }

  get event(): string {
    return this.kind.event;
  }

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

  /** Reports the outcome once (a job abandoned at drain may settle again later). */
  done(outcome: JobOutcome): void {
    const report = this.onOutcome;
    if (report === undefined) return;
    this.onOutcome = undefined;
    report(outcome);
  }
}

/** Taken jobs a lane's array may hold before it is compacted. */
const COMPACT_AFTER_JOBS = 64;

/** The ordered queue of one domain. @internal */
export class Lane {
  /** Queued jobs from `head` on (taken jobs are cleared, the array compacted now and then). */
  private jobs: Array<Job | undefined> = [];
  private head = 0;
  /** Queued jobs by event name, then coalesce key; created on first use. */
  private coalesceTable: Map<string, Map<string, Job>> | undefined;
  running: Job | undefined = undefined;
  /** True while the lane waits in the pool's ready list. */
  ready = false;
  /** False once the scheduler forgot the lane (idle, or the pool closed). */
  live = true;
  overflowDrops = 0;
  /** Drops since the lane last had room; logged when the episode ends. */
  episodeDrops = 0;

  constructor(readonly domainUuid: string) {}

  /** Jobs waiting (the running one not counted). */
  get size(): number {
    return this.jobs.length - this.head;
  }

  /** The queued job `key` of `event` would merge into, if any. */
  coalesced(event: string, key: string): Job | undefined {
    return this.coalesceTable?.get(event)?.get(key);
  }

  /** Appends `job`, indexing it by its coalesce key if it has one. */
  push(job: Job): void {
    this.jobs.push(job);
    const key = job.coalesceKey;
    if (key === undefined) return;
    this.coalesceTable ??= new Map();
    let byKey = this.coalesceTable.get(job.kind.event);
    if (byKey === undefined) {
      byKey = new Map();
      this.coalesceTable.set(job.kind.event, byKey);
    }
    byKey.set(key, job);
  }

  /** Takes the next job, forgetting its coalescing entry. */
  shift(): Job | undefined {
    if (this.head === this.jobs.length) return undefined;
    const job = this.jobs[this.head] as Job;
    this.jobs[this.head] = undefined;
    this.head++;
    // Array.shift would move every queued job each time; compact once half is taken instead.
    if (this.head === this.jobs.length) {
      this.jobs = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER_JOBS && this.head * 2 >= this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
    this.unindex(job);
    return job;
  }

  /** Removes the queued jobs `drop` selects; returns them. */
  removeWhere(drop: (job: Job) => boolean): Job[] {
    const removed: Job[] = [];
    const kept: Job[] = [];
    for (let i = this.head; i < this.jobs.length; i++) {
      const job = this.jobs[i] as Job;
      if (drop(job)) {
        this.unindex(job);
        removed.push(job);
      } else {
        kept.push(job);
      }
    }
    this.jobs = kept;
    this.head = 0;
    return removed;
  }

  get idle(): boolean {
    return this.running === undefined && this.head === this.jobs.length;
  }

  private unindex(job: Job): void {
    const key = job.coalesceKey;
    if (key === undefined) return;
    const byKey = this.coalesceTable?.get(job.kind.event);
    if (byKey?.get(key) === job) byKey.delete(key);
  }
}
