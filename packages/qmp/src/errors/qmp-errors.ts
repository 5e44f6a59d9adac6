import type { QmpCloseReason } from "../monitor/close-reason.js";
import { QMP_ERROR_CODES, QmpError } from "./qmp-error.js";

/**
 * QEMU answered a command with `{"error": {"class", "desc"}}`. Branch on `errorClass`
 * (GenericError, CommandNotFound, DeviceNotActive, DeviceNotFound, KVMMissingCap); `desc` is
 * for humans only and changes between QEMU versions.
 */
export class QmpCommandError extends QmpError {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(QMP_ERROR_CODES.COMMAND, `${command}: ${errorClass}: ${desc}`);
  }
}

/** A command got no reply within `timeoutMs`; a reply arriving later is dropped and counted. */
export class QmpTimeoutError extends QmpError {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(QMP_ERROR_CODES.TIMEOUT, `${command}: no reply within ${timeoutMs} ms`);
  }
}

/** A command's AbortSignal fired before its reply; `cause` is the signal's reason. */
export class QmpAbortedError extends QmpError {
  constructor(
    readonly command: string,
    reason: unknown,
  ) {
    super(QMP_ERROR_CODES.ABORTED, `${command}: aborted`, { cause: reason });
  }
}

/**
 * The monitor is closed: the command was pending when it closed, or was issued afterwards.
 * `reason` says how it closed; `cause` is the error that closed it, if any.
 */
export class QmpMonitorClosedError extends QmpError {
  constructor(
    readonly command: string | undefined,
    readonly reason: QmpCloseReason,
  ) {
    const what = command === undefined ? "monitor" : `${command}: monitor`;
    super(QMP_ERROR_CODES.MONITOR_CLOSED, `${what} closed (${reason.kind})`, {
      cause: reason.kind === "error" ? reason.error : undefined,
    });
  }
}

/** More than `limit` commands were waiting for an in-flight slot. */
export class QmpQueueFullError extends QmpError {
  constructor(
    readonly command: string,
    readonly limit: number,
  ) {
    super(QMP_ERROR_CODES.QUEUE_FULL, `${command}: ${limit} commands already queued`);
  }
}

/** The peer broke the protocol; `detail` says how. Surfaced to `onProtocolError` listeners. */
export class QmpProtocolError extends QmpError {
  constructor(
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(QMP_ERROR_CODES.PROTOCOL, `QMP protocol error: ${detail}`, options);
  }
}

/** A line grew past `limitBytes` without a newline; the monitor closes with this error. */
export class QmpLineTooLongError extends QmpError {
  constructor(readonly limitBytes: number) {
    super(QMP_ERROR_CODES.LINE_TOO_LONG, `QMP line longer than ${limitBytes} bytes`);
  }
}

/** The first message was not a QMP greeting (`{"QMP": {"version", "capabilities": [...]}}`). */
export class QmpGreetingError extends QmpError {
  constructor(
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(QMP_ERROR_CODES.BAD_GREETING, `bad QMP greeting: ${detail}`, options);
  }
}

/** `qmp_capabilities` failed; `cause` is the {@link QmpCommandError} or the close that ended it. */
export class QmpNegotiationError extends QmpError {
  constructor(options: { cause: unknown }) {
    super(QMP_ERROR_CODES.NEGOTIATION, "QMP capabilities negotiation failed", options);
  }
}

/** The greeting and negotiation did not finish within `timeoutMs` of attaching. */
export class QmpConnectTimeoutError extends QmpError {
  constructor(readonly timeoutMs: number) {
    super(QMP_ERROR_CODES.CONNECT_TIMEOUT, `QMP not ready within ${timeoutMs} ms`);
  }
}

/** The stream failed (connection refused, reset, ...); `cause` is the stream's error. */
export class QmpIoError extends QmpError {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(QMP_ERROR_CODES.IO, `QMP stream error: ${detail}`, { cause });
  }
}

/** An argument given to the monitor was invalid (bad option, non-object command arguments). */
export class QmpInvalidArgumentError extends QmpError {
  constructor(message: string) {
    super(QMP_ERROR_CODES.INVALID_ARGUMENT, message);
  }
}
