import type { Duplex } from "node:stream";
import type { QmpCounters } from "./counters.js";
import type { QmpTraceEntry } from "./monitor-options.js";

/**
 * Lines waiting to be written. The monitor writes only when the loop reports WRITABLE, and
 * watches WRITABLE only while something is queued (`setPending`), as libvirt's monitor does.
 * @internal
 */
export class OutputQueue {
  private readonly lines: string[] = [];
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly counters: QmpCounters,
    private readonly trace: ((entry: QmpTraceEntry) => void) | undefined,
    private readonly setPending: (pending: boolean) => void,
  ) {}

  /** Queues one message as a line. */
  send(message: object): void {
    if (this.closed) return;
    const line = JSON.stringify(message);
    this.lines.push(`${line}\r\n`);
    this.counters.messagesOut++;
    if (this.trace) {
      try {
        this.trace({ dir: "tx", line, message });
      } catch {
        // A broken tracer must not break the monitor; tracing is best effort.
      }
    }
    if (this.lines.length === 1) this.setPending(true);
  }

  /** Writes what the stream accepts without buffering past its high-water mark. */
  flush(): void {
    while (this.lines.length > 0 && !this.closed) {
      const line = this.lines.shift() as string;
      if (!this.stream.write(line)) break;
    }
    if (this.lines.length === 0) this.setPending(false);
  }

  /**
   * Drops what is queued and ends the stream: gracefully (`end`, then destroy once flushed)
   * when the close is ours, at once otherwise.
   */
  close(graceful: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.lines.length = 0;
    const s = this.stream;
    if (!graceful || s.destroyed || !s.writable) {
      s.destroy();
      return;
    }
    s.once("finish", () => s.destroy());
    s.end();
  }
}
