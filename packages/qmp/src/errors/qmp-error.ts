/**
 * Base class of every error thrown by `@virtevent/qmp`. Each one carries a stable string `code`
 * (`QMP_ERR_*`); branch on it with {@link isQmpError}, since `instanceof` fails when two copies
 * of the package are loaded.
 *
 * @example
 * try { await monitor.execute("query-status"); } catch (e) { if (isQmpError(e, "QMP_ERR_TIMEOUT")) ... }
 */
export class QmpError extends Error {
  /** Stable machine-readable code, `QMP_ERR_*`. */
  readonly code: QmpErrorCode;

  constructor(code: QmpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Every code a {@link QmpError} can carry. */
export const QMP_ERROR_CODES = {
  /** QEMU answered the command with an error reply. */
  COMMAND: "QMP_ERR_COMMAND",
  /** No reply within the command's timeout. */
  TIMEOUT: "QMP_ERR_TIMEOUT",
  /** The command's AbortSignal fired first. */
  ABORTED: "QMP_ERR_ABORTED",
  /** The monitor closed (or was closed) before the command got a reply, or before it was sent. */
  MONITOR_CLOSED: "QMP_ERR_MONITOR_CLOSED",
  /** Too many commands waiting for an in-flight slot. */
  QUEUE_FULL: "QMP_ERR_QUEUE_FULL",
  /** The peer broke the protocol (garbage line, error reply without id, ...). */
  PROTOCOL: "QMP_ERR_PROTOCOL",
  /** A line exceeded the line cap; the monitor closes. */
  LINE_TOO_LONG: "QMP_ERR_LINE_TOO_LONG",
  /** The first message was not a valid QMP greeting. */
  BAD_GREETING: "QMP_ERR_BAD_GREETING",
  /** `qmp_capabilities` failed. */
  NEGOTIATION: "QMP_ERR_NEGOTIATION",
  /** Greeting and negotiation did not finish within the connect timeout. */
  CONNECT_TIMEOUT: "QMP_ERR_CONNECT_TIMEOUT",
  /** The stream failed (connect refused, reset, ...); `cause` is the stream's error. */
  IO: "QMP_ERR_IO",
  /** An argument given to the monitor was invalid. */
  INVALID_ARGUMENT: "QMP_ERR_INVALID_ARGUMENT",
} as const;

/** A `QMP_ERR_*` code. */
export type QmpErrorCode = (typeof QMP_ERROR_CODES)[keyof typeof QMP_ERROR_CODES];

const QMP_ERROR_MARK = Symbol.for("@virtevent/qmp/QmpError");
Object.defineProperty(QmpError.prototype, QMP_ERROR_MARK, { value: true });

/**
 * True when `e` is a {@link QmpError} (from any copy of this package), optionally with the given
 * `code`.
 */
export function isQmpError(e: unknown, code?: QmpErrorCode): e is QmpError {
  if (typeof e !== "object" || e === null) return false;
  if (!(e as Record<symbol, unknown>)[QMP_ERROR_MARK]) return false;
  return code === undefined || (e as QmpError).code === code;
}
