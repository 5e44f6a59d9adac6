import { type Disposable, type EventLoopImpl, type TimerId, toDisposable } from "@virtevent/core";
import type { QmpReadGate } from "../monitor/monitor-options.js";

/** Queued jobs + public events at which monitors stop reading. */
export const READ_PRESSURE_HIGH = 4_096;
/** ... and below which they read again. */
export const READ_PRESSURE_LOW = 1_024;

/** What a {@link PressureReadGate} watches: a daemon's public event queue and worker pool. @internal */
export interface ReadPressureSources {
  readonly loop: EventLoopImpl;
  readonly events: { readonly pendingCount: number };
  readonly workers: { readonly queuedJobs: number };
}

/**
 * The read gate of one daemon's monitors: it closes when queued jobs + pending public events
 * reach {@link READ_PRESSURE_HIGH} and opens again once they are under {@link READ_PRESSURE_LOW}.
 * While monitors wait, one 0-timeout (every loop turn) checks the pressure for all of them, and
 * opening it resumes every waiting monitor in the same turn.
 * @internal
 */
export class PressureReadGate implements QmpReadGate {
  private closed = false;
  private readonly waiting = new Set<{ listener: () => void }>();
  private check: TimerId | undefined;

  constructor(private readonly sources: ReadPressureSources) {}

  get paused(): boolean {
    if (!this.closed && this.pressure() >= READ_PRESSURE_HIGH) this.closed = true;
    return this.closed;
  }

  onDidResume(listener: () => void): Disposable {
    const entry = { listener };
    this.waiting.add(entry);
    this.check ??= this.sources.loop.addTimeout(0, () => this.recheck());
    return toDisposable(() => this.waiting.delete(entry));
  }

  private pressure(): number {
    return this.sources.events.pendingCount + this.sources.workers.queuedJobs;
  }

  private recheck(): void {
    if (this.waiting.size > 0) {
      if (this.closed && this.pressure() >= READ_PRESSURE_LOW) return;
      this.closed = false;
    }
    if (this.check !== undefined) this.sources.loop.removeTimeout(this.check);
    this.check = undefined;
    const resumed = [...this.waiting];
    this.waiting.clear();
    for (const { listener } of resumed) listener();
  }
}

const gates = new WeakMap<object, PressureReadGate>();

/**
 * The read gate shared by every monitor of `daemon`, or undefined when the daemon does not
 * expose its queues (then its monitors never pause).
 * @internal
 */
export function readGateOf(daemon: {
  readonly loop: EventLoopImpl;
  readonly events?: { readonly pendingCount: number };
  readonly workers?: { readonly queuedJobs: number };
}): QmpReadGate | undefined {
  const { events, workers } = daemon;
  if (events === undefined || workers === undefined) return undefined;
  let gate = gates.get(daemon);
  if (gate === undefined) {
    gate = new PressureReadGate({ loop: daemon.loop, events, workers });
    gates.set(daemon, gate);
  }
  return gate;
}
