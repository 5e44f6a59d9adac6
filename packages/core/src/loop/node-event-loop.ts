import type { HandleRecord, LoopOptions, TimerRecord } from "./loop-base.js";
import { LoopBase } from "./loop-base.js";

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
 * @example
 * const loop = new NodeEventLoop();
 * const t = loop.addTimeout(1000, () => log.info("tick"));
 */
export class NodeEventLoop extends LoopBase {
  readonly name: string = "node";
  private turnScheduled: NodeJS.Immediate | undefined;
  private readonly intervals = new Map<number, NodeJS.Timeout>();

  constructor(options: LoopOptions = {}) {
    super(options);
  }

  /** Monotonic milliseconds (`performance.now()`), the clock Node's timers follow. */
  now(): number {
    return performance.now();
  }

  protected handleChanged(_rec: HandleRecord): void {
    this.scheduleTurn();
  }

  protected timerChanged(rec: TimerRecord): void {
    this.clearInterval(rec.id);
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
      for (const rec of [...this.handles.values()]) this.fireHandle(rec);
      for (const rec of [...this.timers.values()]) {
        if (rec.frequencyMs === 0) this.fireTimer(rec);
      }
    });
    if (this.wantsAnotherTurn()) this.scheduleTurn();
  }

  private wantsAnotherTurn(): boolean {
    for (const rec of this.timers.values()) if (rec.frequencyMs === 0) return true;
    for (const rec of this.handles.values()) if (rec.readiness.levelReady(rec.events)) return true;
    return this.hasPendingFrees;
  }

  private clearInterval(id: number): void {
    const interval = this.intervals.get(id);
    if (interval) {
      clearInterval(interval);
      this.intervals.delete(id);
    }
  }
}
