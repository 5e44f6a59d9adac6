/**
 * Base class of every error thrown by `@virtevent/core`. Each one carries a stable string
 * `code` (`VIRTEVENT_ERR_*`) so callers can branch without `instanceof`, which fails when two
 * copies of the package are loaded.
 *
 * @example
 * try { registry.register("node", factory); } catch (e) { if (isCoreError(e, "VIRTEVENT_ERR_LOOP_NAME_TAKEN")) ... }
 */
export class CoreError extends Error {
  /** Stable machine-readable code, `VIRTEVENT_ERR_*`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

const CORE_ERROR_MARK = Symbol.for("@virtevent/core/CoreError");
Object.defineProperty(CoreError.prototype, CORE_ERROR_MARK, { value: true });

/**
 * True when `e` is a {@link CoreError} (from any copy of this package), optionally with the
 * given `code`.
 */
export function isCoreError(e: unknown, code?: string): e is CoreError {
  if (typeof e !== "object" || e === null) return false;
  if (!(e as Record<symbol, unknown>)[CORE_ERROR_MARK]) return false;
  return code === undefined || (e as CoreError).code === code;
}
