import type { HandleRecord, LoopOptions, TimerRecord } from "./loop-base.js";
import { LoopBase } from "./loop-base.js";
import { TurnQueue } from "./turn-queue.js";

/**
 * The default loop: libuv through Node's own stream events and timers, with no polling of its
 * own.
 *
 * A turn runs in a `setImmediate` callback: every ready handle in watch-id order, then every
 * timeout of frequency 0 in timer-id order, then the free callbacks of what was removed. A turn
 * is scheduled when a stream signals (readable, drain, end, close, error), when a mask or
 * timeout changes, and again after a turn while something stays level-ready — each from the
 * check phase, so pending I/O is polled between two turns and a 0 timeout never starves it.
 * Positive timeouts are Node intervals, each firing as its own dispatch.
 *
 * A turn looks only at the handles that may be ready — those whose stream signalled, whose mask
 * changed or that were added since the last turn, and those still level-ready after it — and at
 * the 0 timeouts, so its cost follows what is ready, not how many monitors are idle. A stream
 * that becomes ready without signalling yet (an in-memory stream written to from a callback
 * signals on the next tick) is therefore seen on the turn after its signal.
 *
 * @example
 * const loop = new NodeEventLoop();
 * const t = loop.addTimeout(1000, () => log.info("tick"));
 */
export class NodeEventLoop extends LoopBase {
  readonly name: string = "node";
  private turnScheduled: NodeJS.Immediate | undefined;
  private readonly intervals = new Map<number, NodeJS.Timeout>();
  /** Handles that may be ready at the next turn. */
  private readonly maybeReady = new TurnQueue<HandleRecord>();
  /** Timeouts of frequency 0. */
  private readonly everyTurn = new TurnQueue<TimerRecord>();

  constructor(options: LoopOptions = {}) {
    super(options);
  }

  /** Monotonic milliseconds (`performance.now()`), the clock Node's timers follow. */
  now(): number {
    return performance.now();
  }

  protected handleChanged(rec: HandleRecord): void {
    this.maybeReady.offer(rec);
    this.scheduleTurn();
  }

  protected override handleRemoved(rec: HandleRecord): void {
    this.maybeReady.delete(rec);
  }

  protected timerChanged(rec: TimerRecord): void {
    this.clearInterval(rec.id);
    if (rec.frequencyMs === 0) this.everyTurn.offer(rec);
    else this.everyTurn.delete(rec);
    if (rec.frequencyMs > 0) {
      const interval = setInterval(() => {
        this.dispatch(() => this.fireTimer(rec));
      }, rec.frequencyMs);
      this.intervals.set(rec.id, interval);
    } else if (rec.frequencyMs === 0) {
      this.scheduleTurn();
    }
  }

  protected timerRemoved(rec: TimerRecord): void {
    this.clearInterval(rec.id);
    this.everyTurn.delete(rec);
  }

  protected freesQueued(): void {
    this.scheduleTurn();
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.turnScheduled) clearImmediate(this.turnScheduled);
    this.turnScheduled = undefined;
  }

  private scheduleTurn(): void {
    if (this.turnScheduled || (this.closed && !this.hasPendingFrees)) return;
    this.turnScheduled = setImmediate(() => {
      this.turnScheduled = undefined;
      this.turn();
    });
  }

  private turn(): void {
    this.dispatch(() => {
      // Handles added during the turn wait for the next one; so do 0 timeouts added while the
      // timeouts run (the bound of each pass is the last id handed out when it starts).
      this.maybeReady.run(this.lastWatchId, this.visitHandle);
      this.everyTurn.run(this.lastTimerId, this.visitTimer);
    });
    if (this.maybeReady.size > 0 || this.everyTurn.size > 0 || this.hasPendingFrees) {
      this.scheduleTurn();
    }
  }

  /** Fires a handle if ready; keeps it for the next turn while it stays level-ready. */
  private readonly visitHandle = (rec: HandleRecord): boolean => {
    this.fireHandle(rec);
    return !rec.removed && rec.readiness.levelReady(rec.events);
  };

  /** Fires a 0 timeout; keeps it while it stays one. */
  private readonly visitTimer = (rec: TimerRecord): boolean => {
    if (rec.frequencyMs !== 0) return false;
    this.fireTimer(rec);
    return !rec.removed && rec.frequencyMs === 0;
  };

  private clearInterval(id: number): void {
    const interval = this.intervals.get(id);
    if (interval) {
      clearInterval(interval);
      this.intervals.delete(id);
    }
  }
}
