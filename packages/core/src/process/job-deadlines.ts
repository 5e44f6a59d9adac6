import type { Logger } from "../common/logger.js";
import type { EventLoopImpl, TimerId } from "../loop/event-loop-impl.js";
import type { Job } from "./lane.js";
import { addOneShotTimeout } from "./one-shot-timer.js";

/** What the deadlines report to the scheduler. @internal */
export interface DeadlineHandlers {
  /** The running jobs (only read when a deadline may have passed). */
  running(): Iterable<Job>;
  /** `job` ran past its timeout. */
  onTimeout(job: Job): void;
  /** `job` ran past its grace period after the timeout. */
  onStuck(job: Job): void;
}

/**
 * The timeouts of running jobs on the daemon's loop. A job is watched only once its handler
 * returns a promise: one that completes synchronously can never be interrupted, so it needs no
 * deadline (and its timeout counts from that moment).
 *
 * On a loop with a clock (`EventLoopImpl.now`), one loop timeout serves every job: it is armed
 * at the earliest deadline, left alone when jobs settle, and when it fires it handles what is
 * due and re-arms at the next deadline of the jobs still running (or goes away). Jobs run far
 * shorter than their timeout, so a storm of jobs touches the timer about once per timeout
 * period instead of twice per job. On a loop without a clock, each deadline gets a one-shot
 * timeout of its own.
 * @internal
 */
export class JobDeadlines {
  private readonly clocked: boolean;
  /** The shared timeout (clocked loops). */
  private timer: TimerId | undefined;
  /** Loop time the shared timeout is due at; +Infinity while it is not armed. */
  private armedAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly loop: EventLoopImpl,
    private readonly logger: Logger,
    private readonly handlers: DeadlineHandlers,
  ) {
    this.clocked = typeof loop.now === "function";
  }

  /** `job` runs asynchronously from now: it times out `job.kind.timeoutMs` later. */
  watchTimeout(job: Job): void {
    const ms = job.kind.timeoutMs;
    if (!this.clocked) {
      job.timer = addOneShotTimeout(this.loop, this.logger, ms, () => {
        job.timer = undefined;
        this.handlers.onTimeout(job);
      });
      return;
    }
    const now = this.now();
    const deadline = now + ms;
    job.deadline = deadline;
    if (deadline < this.armedAt) this.arm(deadline, now);
  }

  /** `job` timed out: it is declared stuck if it has not settled `ms` later. */
  watchGrace(job: Job, ms: number): void {
    if (!this.clocked) {
      job.timer = addOneShotTimeout(this.loop, this.logger, ms, () => {
        job.timer = undefined;
        this.handlers.onStuck(job);
      });
      return;
    }
    const now = this.now();
    const deadline = now + ms;
    job.graceDeadline = deadline;
    if (deadline < this.armedAt) this.arm(deadline, now);
  }

  /** `job` settled or was abandoned: nothing more is due for it. */
  forget(job: Job): void {
    job.deadline = undefined;
    job.graceDeadline = undefined;
    if (job.timer !== undefined) this.loop.removeTimeout(job.timer);
    job.timer = undefined;
  }

  /** Removes the shared timeout (nothing runs any more: drained or closed). */
  stop(): void {
    if (this.timer !== undefined) this.loop.removeTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private now(): number {
    return (this.loop.now as () => number).call(this.loop);
  }

  /** The shared timeout fired: handles what is due, in deadline order, then re-arms. */
  private sweep(): void {
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: Job[] = [];
    for (const job of this.handlers.running()) {
      if (pending(job) <= now) due.push(job);
    }
    due.sort((a, b) => pending(a) - pending(b));
    try {
      for (const job of due) {
        // An earlier callback of this sweep (an abort listener) may have settled it.
        if (pending(job) > now) continue;
        if (job.timedOut) this.handlers.onStuck(job);
        else this.handlers.onTimeout(job);
      }
    } finally {
      // Even after a throw: the other jobs keep their deadlines.
      let next = Number.POSITIVE_INFINITY;
      for (const job of this.handlers.running()) next = Math.min(next, pending(job));
      if (next === Number.POSITIVE_INFINITY) this.stop();
      else if (next < this.armedAt) this.arm(next, now);
    }
  }

  private arm(at: number, now: number): void {
    // Integer milliseconds, at least one: the loop's contract.
    const ms = Math.max(1, Math.ceil(at - now));
    if (this.timer !== undefined && this.loop.updateTimeout(this.timer, ms)) {
      this.armedAt = at;
      return;
    }
    // First use, or the loop dropped it (closed meanwhile).
    this.timer = addOneShotTimeout(this.loop, this.logger, ms, () => {
      this.timer = undefined;
      this.sweep();
    });
    // Without a timer (the loop is closed) jobs run without a deadline, as before.
    this.armedAt = this.timer === undefined ? Number.POSITIVE_INFINITY : at;
  }
}

/** When something is next due for `job` (+Infinity when nothing is). */
function pending(job: Job): number {
  if (job.settled || job.abandoned || job.stuck) return Number.POSITIVE_INFINITY;
  return (job.timedOut ? job.graceDeadline : job.deadline) ?? Number.POSITIVE_INFINITY;
}
