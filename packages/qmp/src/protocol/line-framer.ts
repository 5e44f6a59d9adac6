import { StringDecoder } from "node:string_decoder";
import { QmpLineTooLongError } from "../errors/qmp-errors.js";
import { MAX_LINE_BYTES } from "../limits.js";

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (LF or CRLF; the CR is dropped), keeping a partial tail across
 * chunks. Lines are decoded as UTF-8 (invalid bytes become U+FFFD, which JSON parsing then
 * rejects; a character split across chunks is kept whole). Empty lines are skipped.
 *
 * Memory stays bounded: the tail never exceeds `maxLineBytes` bytes of input; once a line would,
 * the framer reports {@link QmpLineTooLongError} and refuses further input. The cap is exact, in
 * bytes received, CR and LF excluded.
 *
 * Each chunk's bytes are decoded once (the line completing the held tail, the other complete
 * lines, the new partial line: three strings, none pinning another) and split with `indexOf`, as
 * a plain client would. While the held tail plus the chunk fit within the cap, no line completed
 * in it can exceed the cap, so no line is measured. Only a chunk that could complete or hold an
 * oversized line is walked line by line in bytes.
 *
 * @example
 * const framer = new LineFramer();
 * for (const line of framer.push(chunk)) handle(line);
 */
export class LineFramer {
  /**
   * Made the first time a chunk ends inside a character (non-ASCII last byte): until then every
   * chunk ends on a character boundary and decodes alone, and a monitor (QMP is ASCII in
   * practice) never holds one (~370 bytes each).
   */
  private decoder: StringDecoder | undefined;
  /** The incomplete line, decoded (a character cut by the chunk is held by the decoder). */
  private tail = "";
  /** Bytes received for the incomplete line, bytes held by the decoder included. */
  private tailBytes = 0;
  /** Whether the last byte received was a CR (an LF in the next chunk then ends a CRLF). */
  private crPending = false;
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
    const error = this.forEachLine(chunk, (line) => {
      lines.push(line);
      return true;
    });
    return { lines, error };
  }

  /**
   * Feeds a chunk, calling `onLine` with each line it completes, in order, without collecting
   * them. `onLine` returns false to stop: the rest of the chunk is then discarded and the framer
   * should not be fed again (its caller is done with the stream). Returns the
   * {@link QmpLineTooLongError} once a line exceeded the cap (the lines before it were
   * delivered), and from then on at every call.
   */
  forEachLine(
    chunk: Buffer | string,
    onLine: (line: string) => boolean,
  ): QmpLineTooLongError | undefined {
    if (this.failed) return new QmpLineTooLongError(this.maxLineBytes);
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (buf.length === 0) return undefined;
    // Any line completed here, and the tail left, is at most tailBytes + buf.length bytes long.
    if (this.tailBytes + buf.length > this.maxLineBytes) return this.feedMeasured(buf, onLine);
    const lastNl = buf.lastIndexOf(LF);
    if (lastNl === -1) {
      this.tail += this.decode(buf);
      this.tailBytes += buf.length;
      this.crPending = buf[buf.length - 1] === CR;
      return undefined;
    }
    // Complete lines only; the partial line after the last LF is decoded on its own, so the
    // tail kept until the next chunk is a string of its own, not a slice pinning this text.
    // The held tail joins only the first line: the rest of the chunk is not copied again.
    let from = 0;
    if (this.tail.length > 0) {
      from = buf.indexOf(LF) + 1;
      if (!this.split(this.tail + this.decode(buf.subarray(0, from)), onLine)) return this.stop();
    }
    if (from <= lastNl) {
      const text = this.decode(
        from === 0 && lastNl === buf.length - 1 ? buf : buf.subarray(from, lastNl + 1),
      );
      if (!this.split(text, onLine)) return this.stop();
    }
    this.tailBytes = buf.length - 1 - lastNl;
    this.tail = this.tailBytes > 0 ? this.decode(buf.subarray(lastNl + 1)) : "";
    this.crPending = this.tailBytes > 0 && buf[buf.length - 1] === CR;
    return undefined;
  }

  /** Hands the lines of `text` (which ends with an LF) to `onLine`; false once it said stop. */
  private split(text: string, onLine: (line: string) => boolean): boolean {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      if (end > start && !onLine(text.slice(start, end))) return false;
      start = nl + 1;
    }
    return true;
  }

  /** The exact path: every line's length counted in bytes before it is decoded. */
  private feedMeasured(
    buf: Buffer,
    onLine: (line: string) => boolean,
  ): QmpLineTooLongError | undefined {
    let start = 0;
    for (let nl = buf.indexOf(LF); nl !== -1; nl = buf.indexOf(LF, start)) {
      const crlf = nl > start ? buf[nl - 1] === CR : this.crPending;
      if (this.tailBytes + (nl - start) - (crlf ? 1 : 0) > this.maxLineBytes)
        return this.overflow();
      // Decoded with its LF, so that bytes of a cut character before it end here, as U+FFFD.
      const text = this.tail + this.decode(buf.subarray(start, nl + 1));
      this.tail = "";
      this.tailBytes = 0;
      this.crPending = false;
      start = nl + 1;
      const end = text.length - (crlf ? 2 : 1);
      if (end > 0 && !onLine(text.slice(0, end))) return this.stop();
    }
    if (start < buf.length) {
      const rest = buf.length - start;
      const endsWithCr = buf[buf.length - 1] === CR;
      // A CR alone may still be completed by an LF in the next chunk, so it is not counted.
      if (this.tailBytes + rest - (endsWithCr ? 1 : 0) > this.maxLineBytes) return this.overflow();
      this.tail += this.decode(buf.subarray(start));
      this.tailBytes += rest;
      this.crPending = endsWithCr;
    }
    return undefined;
  }

  /** Decodes `buf` after the bytes held from the previous chunk, holding a cut character. */
  private decode(buf: Buffer): string {
    if (this.decoder === undefined) {
      if (buf[buf.length - 1] < 0x80) return buf.toString("utf8");
      this.decoder = new StringDecoder("utf8");
    }
    return this.decoder.write(buf);
  }

  /** Drops what is held after a caller stopped mid-chunk. */
  private stop(): undefined {
    this.reset();
    return undefined;
  }

  /** Enters the failed state: drops the tail, refuses all further input. */
  private overflow(): QmpLineTooLongError {
    this.failed = true;
    this.reset();
    return new QmpLineTooLongError(this.maxLineBytes);
  }

  private reset(): void {
    this.tail = "";
    this.tailBytes = 0;
    this.crPending = false;
    this.decoder = undefined;
  }
}
