/** Every code a {@link NicRxError} can carry. */
export const NIC_RX_ERROR_CODES = {
  /** An interface or namespace name is not one the adapter will pass to `ip`. */
  INVALID_NAME: "NIC_RX_ERR_INVALID_NAME",
  /** A string is not a MAC address. */
  INVALID_MAC: "NIC_RX_ERR_INVALID_MAC",
  /** Reading the host device state failed (device missing, `ip` failed, unreadable output). */
  HOST_READ: "NIC_RX_ERR_HOST_READ",
  /** One host operation failed; the others of the same sync may still have applied. */
  HOST_OPERATION: "NIC_RX_ERR_HOST_OPERATION",
  /** An `ip` invocation exited non-zero, timed out or could not start. */
  IP_COMMAND: "NIC_RX_ERR_IP_COMMAND",
  /** The caller's AbortSignal fired before the work finished. */
  ABORTED: "NIC_RX_ERR_ABORTED",
} as const;

/** A `NIC_RX_ERR_*` code. */
export type NicRxErrorCode = (typeof NIC_RX_ERROR_CODES)[keyof typeof NIC_RX_ERROR_CODES];

/**
 * Base class of every error thrown by `@virtevent/plugin-nic-rx-filter`. Branch on `code` with
 * {@link isNicRxError}: `instanceof` fails when two copies of the package are loaded.
 *
 * @example
 * try { await host.readState("tap0"); } catch (e) { if (isNicRxError(e, "NIC_RX_ERR_HOST_READ")) ... }
 */
export class NicRxError extends Error {
  /** Stable machine-readable code, `NIC_RX_ERR_*`. */
  readonly code: NicRxErrorCode;

  constructor(code: NicRxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

const NIC_RX_ERROR_MARK = Symbol.for("@virtevent/plugin-nic-rx-filter/NicRxError");
Object.defineProperty(NicRxError.prototype, NIC_RX_ERROR_MARK, { value: true });

/**
 * True when `e` is a {@link NicRxError} (from any copy of this package), optionally with the
 * given `code`.
 */
export function isNicRxError(e: unknown, code?: NicRxErrorCode): e is NicRxError {
  if (typeof e !== "object" || e === null) return false;
  if (!(e as Record<symbol, unknown>)[NIC_RX_ERROR_MARK]) return false;
  return code === undefined || (e as NicRxError).code === code;
}
