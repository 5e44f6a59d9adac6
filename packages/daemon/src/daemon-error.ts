/**
 * Base class of `@virtevent/daemon` errors, with a stable `code` (`DAEMON_ERR_*`).
 */
export class DaemonError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

const DAEMON_ERROR_MARK = Symbol.for("@virtevent/daemon/DaemonError");
Object.defineProperty(DaemonError.prototype, DAEMON_ERROR_MARK, { value: true });

/** True when `e` is a {@link DaemonError} from any copy of this package, optionally with `code`. */
export function isDaemonError(e: unknown, code?: string): e is DaemonError {
  if (typeof e !== "object" || e === null) return false;
  if (!(e as Record<symbol, unknown>)[DAEMON_ERROR_MARK]) return false;
  return code === undefined || (e as DaemonError).code === code;
}

/** A configuration file or flag is invalid; `issues` name each field and what was expected. */
export class ConfigError extends DaemonError {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super("DAEMON_ERR_CONFIG", `invalid configuration (${source}):\n  ${issues.join("\n  ")}`);
  }
}

/** The API socket cannot be served (a live daemon holds it, bad permissions, ...). */
export class ApiSocketError extends DaemonError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("DAEMON_ERR_API_SOCKET", `API socket ${path}: ${message}`, options);
  }
}
