import { QmpLineTooLongError } from "../errors/qmp-errors.js";
import { MAX_LINE_BYTES } from "../limits.js";

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (LF or CRLF; the CR is dropped), keeping a partial tail across
 * chunks. Lines are decoded as UTF-8 (invalid bytes become U+FFFD, which JSON parsing then
 * rejects). Empty lines are skipped.
 *
 * Memory stays bounded: the tail never exceeds `maxLineBytes`; once a line would, the framer
 * reports {@link QmpLineTooLongError} and refuses further input.
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

  /**
   * Feeds a chunk; returns the complete lines it finished, in order. Throws
   * {@link QmpLineTooLongError} when a line exceeds the cap (use `feed` to keep the lines
   * completed before it).
   */
  push(chunk: Buffer | string): string[] {
    const { lines, error } = this.feed(chunk);
    if (error) throw error;
    return lines;
  }

  /**
   * Feeds a chunk without throwing: `lines` holds the lines completed before any overflow,
   * `error` is set once a line exceeded the cap (from then on, every call returns it).
   */
  feed(chunk: Buffer | string): { lines: string[]; error: QmpLineTooLongError | undefined } {
    const lines: string[] = [];
    if (this.failed) return { lines, error: new QmpLineTooLongError(this.maxLineBytes) };
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
      const crlf = this.endsWithCr(buf, start, nl);
      if (this.tooLong(this.tailBytes + (nl - start) - (crlf ? 1 : 0))) return this.overflow(lines);
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
      const pending = this.tailBytes + rest.length - (rest[rest.length - 1] === CR ? 1 : 0);
      if (this.tooLong(pending)) return this.overflow(lines);
      // A small slice would pin its whole chunk: copy it. A large one is kept as it is.
      this.tail.push(rest.length * 2 < buf.length ? Buffer.from(rest) : rest);
      this.tailBytes += rest.length;
    }
    return { lines, error: undefined };
  }

  /** True when the line ending at `nl` has a CR before its LF (in this chunk or the tail). */
  private endsWithCr(buf: Buffer, start: number, nl: number): boolean {
    if (nl > start) return buf[nl - 1] === CR;
    const last = this.tail[this.tail.length - 1];
    return last !== undefined && last[last.length - 1] === CR;
  }

  private tooLong(bytes: number): boolean {
    return bytes > this.maxLineBytes;
  }

  /** Enters the failed state: drops the tail, refuses all further input. */
  private overflow(lines: string[]): { lines: string[]; error: QmpLineTooLongError } {
    this.failed = true;
    this.tail = [];
    this.tailBytes = 0;
    return { lines, error: new QmpLineTooLongError(this.maxLineBytes) };
  }
}
