/** Every code a {@link TrayError} can carry. */
export const TRAY_ERROR_CODES = {
  /** `changeMedia` was called with options that make no sense (no action, empty file, ...). */
  ARGUMENT: "TRAY_ERR_ARGUMENT",
  /** The daemon does not load the tray plugin, whose TRAY_CHANGE events `changeMedia` awaits. */
  PLUGIN_MISSING: "TRAY_ERR_PLUGIN_MISSING",
  /** QEMU reports no drive with a tray under that alias. */
  DEVICE_NOT_FOUND: "TRAY_ERR_DEVICE_NOT_FOUND",
  /** The guest kept the tray locked until the timeout; nothing was changed. */
  LOCKED: "TRAY_ERR_LOCKED",
  /** Another media change of the same drive is still running; nothing was sent. */
  BUSY: "TRAY_ERR_BUSY",
  /** A step of a media change failed; the error says which and what state the drive is in. */
  MEDIA_CHANGE: "TRAY_ERR_MEDIA_CHANGE",
} as const;

/** A `TRAY_ERR_*` code. */
export type TrayErrorCode = (typeof TRAY_ERROR_CODES)[keyof typeof TRAY_ERROR_CODES];

/**
 * Base class of every error thrown by `@virtevent/plugin-tray`. Branch on `code` with
 * {@link isTrayError}: `instanceof` fails when two copies of the package are loaded.
 *
 * @example
 * try { await changeMedia(daemon, "vm1", "cd0", { eject: true }); }
 * catch (e) { if (isTrayError(e, "TRAY_ERR_LOCKED")) retryLater(); }
 */
export class TrayError extends Error {
  /** Stable machine-readable code, `TRAY_ERR_*`. */
  readonly code: TrayErrorCode;

  constructor(code: TrayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

const TRAY_ERROR_MARK = Symbol.for("@virtevent/plugin-tray/TrayError");
Object.defineProperty(TrayError.prototype, TRAY_ERROR_MARK, { value: true });

/**
 * True when `e` is a {@link TrayError} (from any copy of this package), optionally with the
 * given `code`.
 */
export function isTrayError(e: unknown, code?: TrayErrorCode): e is TrayError {
  if (typeof e !== "object" || e === null) return false;
  if (!(e as Record<symbol, unknown>)[TRAY_ERROR_MARK]) return false;
  return code === undefined || (e as TrayError).code === code;
}
