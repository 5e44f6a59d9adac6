import { NIC_RX_ERROR_CODES, NicRxError } from "./nic-rx-error.js";

/** A name (interface, namespace) refused before it reaches `ip`. */
export class InvalidNameError extends NicRxError {
  constructor(
    /** What kind of name: "interface" or "network namespace". */
    readonly kind: string,
    /** The refused value (JSON-quoted in the message, since it may hold control characters). */
    readonly value: string,
  ) {
    super(NIC_RX_ERROR_CODES.INVALID_NAME, `invalid ${kind} name ${JSON.stringify(value)}`);
  }
}

/** A string that is not a MAC address where one was required. */
export class InvalidMacError extends NicRxError {
  constructor(readonly value: string) {
    super(NIC_RX_ERROR_CODES.INVALID_MAC, `not a MAC address: ${JSON.stringify(value)}`);
  }
}

/** Reading a host device's state failed; a sync that cannot read the host does nothing. */
export class HostReadError extends NicRxError {
  constructor(
    readonly iface: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(NIC_RX_ERROR_CODES.HOST_READ, `reading ${iface}: ${message}`, options);
  }
}

/** One host operation on `iface` failed. `operation` describes it (`promisc on`, ...). */
export class HostOperationError extends NicRxError {
  constructor(
    readonly iface: string,
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(NIC_RX_ERROR_CODES.HOST_OPERATION, `${operation} on ${iface}: ${message}`, options);
  }
}

/** An `ip` command failed: non-zero exit, timeout, or could not be started. */
export class IpCommandError extends NicRxError {
  constructor(
    /** The arguments given to `ip`. */
    readonly args: readonly string[],
    /** The exit code, when the command ran to completion. */
    readonly exitCode: number | undefined,
    /** What `ip` printed on stderr (trimmed). */
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    const why = stderr || (exitCode === undefined ? "did not complete" : `exit code ${exitCode}`);
    super(NIC_RX_ERROR_CODES.IP_COMMAND, `ip ${args.join(" ")}: ${why}`, options);
  }
}

/** The caller aborted the work (the domain stopped, the daemon is closing, ...). */
export class NicRxAbortedError extends NicRxError {
  constructor(options?: { cause?: unknown }) {
    super(NIC_RX_ERROR_CODES.ABORTED, "aborted", options);
  }
}
