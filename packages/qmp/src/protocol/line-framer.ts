import { QmpLineTooLongError } from "../errors/qmp-errors.js";
import { MAX_LINE_BYTES } from "../limits.js";

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (LF or CRLF; the CR is dropped), keeping a partial tail across
 * chunks. Lines are decoded as UTF-8 (invalid bytes become U+FFFD, which JSON parsing then
 * rejects). Empty lines are skipped.
 *
 * Memory stays bounded: the tail never exceeds `maxLineBytes`; once a line would, `push` throws
 * {@link QmpLineTooLongError} and the framer refuses further input.
 *
 * @example
 * const framer = new LineFramer();
 * for (const line of framer.push(chunk)) handle(line);
 */
export class LineFramer {
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private failed = false;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  /** Bytes held for an incomplete line. */
  get pendingBytes(): number {
    return this.tailBytes;
  }

  /** Feeds a chunk; returns the complete lines it finished, in order. */
  push(chunk: Buffer | string): string[] {
    if (this.failed) throw new QmpLineTooLongError(this.maxLineBytes);
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
      this.checkLength(this.tailBytes + (nl - start) - (this.endsWithCr(buf, start, nl) ? 1 : 0));
      const piece = buf.subarray(start, nl);
      const whole = this.tailBytes === 0 ? piece : Buffer.concat([...this.tail, piece]);
      this.tail = [];
      this.tailBytes = 0;
      const end =
        whole.length > 0 && whole[whole.length - 1] === CR ? whole.length - 1 : whole.length;
      if (end > 0) lines.push(whole.toString("utf8", 0, end));
      start = nl + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      // A CR alone may still be completed by an LF in the next chunk, so it counts as pending.
      this.checkLength(this.tailBytes + rest.length - (rest[rest.length - 1] === CR ? 1 : 0));
      // A small slice would pin its whole chunk: copy it. A large one is kept as it is.
      this.tail.push(rest.length * 2 < buf.length ? Buffer.from(rest) : rest);
      this.tailBytes += rest.length;
    }
    return lines;
  }

  /** True when the line ending at `nl` has a CR before its LF (in this chunk or the tail). */
  private endsWithCr(buf: Buffer, start: number, nl: number): boolean {
    if (nl > start) return buf[nl - 1] === CR;
    const last = this.tail[this.tail.length - 1];
    return last !== undefined && last[last.length - 1] === CR;
  }

  private checkLength(bytes: number): void {
    if (bytes > this.maxLineBytes) {
      this.failed = true;
      this.tail = [];
      this.tailBytes = 0;
      throw new QmpLineTooLongError(this.maxLineBytes);
    }
  }
}
