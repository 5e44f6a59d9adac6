import type { HandleRecord, LoopOptions, TimerRecord } from "../loop/loop-base.js";
import { LoopBase } from "../loop/loop-base.js";

/** Guard against a runaway `advance()` (a timer that keeps rescheduling inside the window). */
const MAX_ADVANCE_STEPS = 1_000_000;

/**
 * A loop on virtual time for tests and simulations: nothing happens until the test calls
 * `runOnce()` or `advance(ms)`.
 *
 * Order within one turn (deterministic): ready handles in watch-id order; then due timeouts —
 * frequency 0 ones and positive ones whose deadline is `<= now()` — by deadline, then timer id
 * (a 0 timeout counts as due now); then free callbacks of everything removed during the turn.
 * A positive timeout becomes due `frequencyMs` after it was added, updated or last fired.
 *
 * Readiness comes from the streams themselves; use `createDuplexPair()` for in-memory
 * streams whose writes are readable on the other side at once. End-of-stream and errors are
 * signalled by Node on the next tick: `await loop.settle()` before `runOnce()` to see them.
 *
 * @example
 * const loop = new ManualEventLoop();
 * loop.addTimeout(100, onTick);
 * loop.advance(250); // onTick fires at t=100 and t=200
 */
export class ManualEventLoop extends LoopBase {
  readonly name: string = "manual";
  private nowMs = 0;

  constructor(options: LoopOptions = {}) {
    super(options);
  }

  /** Virtual time in milliseconds since the loop was created. */
  now(): number {
    return this.nowMs;
  }

  /**
   * Runs one turn at the current virtual time; returns how many callbacks fired (handles and
   * timeouts).
   */
  runOnce(): number {
    let fired = 0;
    this.dispatch(() => {
      for (const rec of [...this.handles.values()]) if (this.fireHandle(rec)) fired++;
      const due = [...this.timers.values()]
        .filter((t) => this.isDue(t))
        .sort((a, b) => this.deadline(a) - this.deadline(b) || a.id - b.id);
      for (const rec of due) {
        // A callback earlier in this turn may have removed or re-armed this one.
        if (!this.isDue(rec)) continue;
        if (this.fireTimer(rec)) fired++;
        if (!rec.removed && rec.frequencyMs > 0) rec.dueAt = this.nowMs + rec.frequencyMs;
      }
    });
    return fired;
  }

  /**
   * Moves virtual time forward by `ms`, running a turn at each timeout deadline on the way and
   * one at the end (unless the last deadline was the end). Returns the number of callbacks
   * fired.
   */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
    const target = this.nowMs + ms;
    let fired = 0;
    for (let step = 0; step < MAX_ADVANCE_STEPS; step++) {
      const next = this.nextDeadline();
      if (next === undefined || next > target) break;
      this.nowMs = Math.max(this.nowMs, next);
      fired += this.runOnce();
    }
    if (this.nowMs === target && fired > 0) return fired;
    this.nowMs = target;
    return fired + this.runOnce();
  }

  /**
   * Runs turns until one fires nothing, at most `maxTurns` (a 0 timeout fires every turn, so a
   * loop holding one never goes idle). Returns the number of turns that fired something.
   */
  runUntilIdle(maxTurns = 1000): number {
    let turns = 0;
    while (turns < maxTurns && this.runOnce() > 0) turns++;
    return turns;
  }

  /** Lets Node deliver pending stream events (end, close, error, drain) to the loop. */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  protected handleChanged(_rec: HandleRecord): void {}

  protected timerChanged(rec: TimerRecord): void {
    rec.dueAt = this.nowMs + Math.max(rec.frequencyMs, 0);
  }

  protected timerRemoved(_rec: TimerRecord): void {}

  protected freesQueued(): void {}

  private isDue(t: TimerRecord): boolean {
    if (t.removed || t.frequencyMs < 0) return false;
    return t.frequencyMs === 0 || t.dueAt <= this.nowMs;
  }

  private deadline(t: TimerRecord): number {
    return t.frequencyMs === 0 ? this.nowMs : t.dueAt;
  }

  /** Virtual time at which the next positive timeout is due, or undefined when none is. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers.values()) {
      if (t.frequencyMs > 0 && (min === undefined || t.dueAt < min)) min = t.dueAt;
    }
    return min;
  }
}
