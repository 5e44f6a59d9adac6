import type { Duplex } from "node:stream";
import { type HandleEventMask, HandleEvents } from "./event-loop-impl.js";

/**
 * Tracks what a paused-mode Duplex is ready for, from its own events and state.
 * READABLE and WRITABLE are level-triggered (ready as long as data is buffered / the stream
 * accepts writes); ERROR and HANGUP are reported once, on the first dispatch after they happen.
 * @internal shared by the loop implementations.
 */
export class StreamReadiness {
  private readableSignalled = false;
  private hangupPending = false;
  private hangupReported = false;
  private errorPending: Error | undefined;
  private readonly listeners: Array<[string, (error?: Error) => void]>;

  constructor(
    private readonly source: Duplex,
    onSignal: () => void,
  ) {
    this.listeners = [
      [
        "readable",
        () => {
          this.readableSignalled = true;
          onSignal();
        },
      ],
      [
        "end",
        () => {
          this.markHangup();
          onSignal();
        },
      ],
      [
        "close",
        () => {
          this.markHangup();
          onSignal();
        },
      ],
      [
        "error",
        (err?: Error) => {
          this.errorPending = err ?? new Error("stream error");
          onSignal();
        },
      ],
      ["drain", onSignal],
    ];
    for (const [name, fn] of this.listeners) source.on(name, fn);
  }

  /** The ready bits among `mask` (ERROR and HANGUP always included unless mask is 0). */
  ready(mask: HandleEventMask): HandleEventMask {
    if (mask === 0) return 0;
    const s = this.source;
    let bits = 0;
    if (mask & HandleEvents.READABLE && (this.readableSignalled || s.readableLength > 0)) {
      bits |= HandleEvents.READABLE;
    }
    if (mask & HandleEvents.WRITABLE && s.writable && !s.writableNeedDrain) {
      bits |= HandleEvents.WRITABLE;
    }
    if (this.errorPending) bits |= HandleEvents.ERROR;
    if (this.hangupPending || (!this.hangupReported && s.destroyed)) bits |= HandleEvents.HANGUP;
    return bits;
  }

  /** The pending error, reported with ERROR. */
  get error(): Error | undefined {
    return this.errorPending;
  }

  /** Marks `bits` as delivered (edge-reported conditions are not reported again). */
  delivered(bits: HandleEventMask): void {
    if (bits & HandleEvents.READABLE) this.readableSignalled = false;
    if (bits & HandleEvents.ERROR) this.errorPending = undefined;
    if (bits & HandleEvents.HANGUP) {
      this.hangupPending = false;
      this.hangupReported = true;
    }
  }

  /** True when the stream is level-ready for READABLE or WRITABLE within `mask`. */
  levelReady(mask: HandleEventMask): boolean {
    return (this.ready(mask) & (HandleEvents.READABLE | HandleEvents.WRITABLE)) !== 0;
  }

  detach(): void {
    for (const [name, fn] of this.listeners) this.source.removeListener(name, fn);
  }

  private markHangup(): void {
    if (!this.hangupReported) this.hangupPending = true;
  }
}
