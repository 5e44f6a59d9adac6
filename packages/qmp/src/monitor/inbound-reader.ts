import type { Logger } from "@virtevent/core";
import { QmpGreetingError, QmpProtocolError } from "../errors/qmp-errors.js";
import { LOG_EXCERPT_CHARS } from "../limits.js";
import { LineFramer } from "../protocol/line-framer.js";
import { classifyMessage, eventOf, type QmpEvent, type QmpGreeting } from "../protocol/messages.js";
import { hardenParsedJson } from "../protocol/safe-json.js";
import { bump, type QmpCounters, type QmpDropReason } from "./counters.js";
import type { ResolvedMonitorOptions } from "./monitor-options.js";

/** What the reader tells its monitor. @internal */
export interface InboundSink {
  state(): "greeting" | "negotiating" | "ready" | "closed";
  onGreeting(greeting: QmpGreeting): void;
  onBadGreeting(error: QmpGreetingError): void;
  onEvent(event: QmpEvent): void;
  onReply(
    id: unknown,
    outcome: { ok: true; value: unknown } | { ok: false; errorClass: string; desc: string },
  ): QmpDropReason | undefined;
  /** A violation the monitor survives (the line is dropped and counted already). */
  onProtocolError(error: QmpProtocolError): void;
  /** A violation that ends the monitor (line too long). */
  onFatal(error: Error): void;
}

/**
 * Stages 1–2 of the data path: bytes → lines (framing, line cap) → parsed, hardened JSON →
 * classified messages handed to the monitor. Garbage never throws out of here: it is dropped,
 * counted and logged, and the next line is processed.
 * @internal
 */
export class InboundReader {
  private readonly framer: LineFramer;

  constructor(
    private readonly options: ResolvedMonitorOptions,
    private readonly counters: QmpCounters,
    private readonly logger: Logger,
    private readonly sink: InboundSink,
  ) {
    this.framer = new LineFramer(options.maxLineBytes);
  }

  /** Feeds one chunk read from the stream. */
  push(chunk: Buffer | string): void {
    if (this.sink.state() === "closed") return;
    // Lines completed before an oversized one are still handled (a reply may be among them).
    const error = this.framer.forEachLine(chunk, this.onLine);
    if (error && this.sink.state() !== "closed") {
      this.counters.protocolErrors++;
      this.sink.onFatal(error);
    }
  }

  /** Handles one line; false once the monitor closed, which stops the framer. */
  private readonly onLine = (line: string): boolean => {
    this.line(line);
    return this.sink.state() !== "closed";
  };

  private line(line: string): void {
    this.counters.linesIn++;
    const maxDepth = this.options.maxJsonDepth;
    let value: unknown;
    try {
      // V8's JSON.parse is iterative: a hostile depth cannot overflow the stack here.
      value = JSON.parse(line);
    } catch (e) {
      this.unusable(line, "malformed", e instanceof Error ? e.message : String(e));
      return;
    }
    const state = this.sink.state();
    // Nearly every line is an event, and an event delivers only its name, a copy of its
    // timestamp and its data (eventOf): so only the data is hardened, from the depth it has in
    // the message, and no classification object is made. A tracer sees whole messages: with
    // one, events take the general path.
    const event = state === "greeting" || this.options.trace ? undefined : eventOf(value);
    const stripped =
      event === undefined
        ? hardenParsedJson(value, maxDepth)
        : hardenParsedJson(event.data, maxDepth - 1);
    if (stripped < 0) {
      this.unusable(line, "too-deep", `nesting deeper than ${maxDepth}`);
      return;
    }
    this.trace(line, value);
    if (stripped > 0) {
      bump(this.counters.dropped, "forbidden-key", stripped);
      this.logger.warn(
        { keys: stripped, line: excerpt(line) },
        "QMP message carried __proto__/constructor/prototype keys; removed",
      );
    }
    if (event) {
      this.counters.messagesIn++;
      this.sink.onEvent(event);
      return;
    }
    const msg = classifyMessage(value);
    if (state === "greeting") {
      this.beforeGreeting(msg, line);
      return;
    }
    switch (msg.kind) {
      case "event":
        this.counters.messagesIn++;
        this.sink.onEvent(msg.event);
        return;
      case "return":
      case "error": {
        this.counters.messagesIn++;
        if (msg.kind === "error" && msg.id === undefined) {
          // We send an id with every command, so an id-less error answers nothing we track.
          this.violation(
            "error-without-id",
            `error without id: ${msg.errorClass}: ${msg.desc}`,
            line,
          );
          return;
        }
        const dropped = this.sink.onReply(
          msg.id,
          msg.kind === "return"
            ? { ok: true, value: msg.value }
            : { ok: false, errorClass: msg.errorClass, desc: msg.desc },
        );
        if (dropped) {
          bump(this.counters.dropped, dropped);
          this.logger.warn({ reason: dropped, id: String(msg.id) }, "QMP reply dropped");
        }
        return;
      }
      case "greeting":
        this.violation("invalid", "second greeting", line);
        return;
      case "invalid":
        this.violation("invalid", msg.detail, line);
        return;
    }
  }

  private beforeGreeting(msg: ReturnType<typeof classifyMessage>, line: string): void {
    if (msg.kind === "event") {
      // Some QEMU versions sent an event before the greeting: skip it, do not fail.
      bump(this.counters.dropped, "before-greeting");
      this.logger.warn({ event: msg.event.name }, "QMP event before the greeting skipped");
      return;
    }
    if (msg.kind === "greeting") {
      this.counters.messagesIn++;
      this.sink.onGreeting(msg.greeting);
      return;
    }
    const detail = msg.kind === "invalid" ? msg.detail : `${msg.kind} reply before the greeting`;
    this.sink.onBadGreeting(new QmpGreetingError(`${detail}: ${excerpt(line)}`));
  }

  /** A line that is not JSON, or nested too deep: a bad greeting, or a dropped line. */
  private unusable(line: string, reason: "malformed" | "too-deep", detail: string): void {
    this.trace(line, undefined);
    if (this.sink.state() === "greeting") {
      this.sink.onBadGreeting(new QmpGreetingError(`${detail}: ${excerpt(line)}`));
      return;
    }
    this.violation("malformed", reason === "too-deep" ? detail : `malformed JSON: ${detail}`, line);
  }

  private violation(reason: QmpDropReason, detail: string, line: string): void {
    bump(this.counters.dropped, reason);
    this.counters.protocolErrors++;
    this.logger.warn({ reason, line: excerpt(line) }, `QMP line dropped: ${detail}`);
    this.sink.onProtocolError(new QmpProtocolError(detail));
  }

  private trace(line: string, message: unknown): void {
    if (!this.options.trace) return;
    try {
      this.options.trace({ dir: "rx", line, message });
    } catch {
      // Tracing is best effort and must not break the reader.
    }
  }
}

function excerpt(line: string): string {
  return line.length > LOG_EXCERPT_CHARS ? `${line.slice(0, LOG_EXCERPT_CHARS)}…` : line;
}
