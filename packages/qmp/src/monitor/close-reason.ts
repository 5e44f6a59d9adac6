/**
 * Why a monitor closed:
 * - `eof`: the peer went away: it ended the stream, or reset it (ECONNRESET / EPIPE, as when
 *   QEMU is killed with unread input); QEMU exited, crashed or was killed;
 * - `error`: the stream failed or the monitor gave up on the peer (line too long, bad greeting,
 *   failed negotiation, connect timeout); `error` is a `QmpError`;
 * - `local`: `close()` was called.
 */
export type QmpCloseReason =
  | { readonly kind: "eof" }
  | { readonly kind: "error"; readonly error: Error }
  | { readonly kind: "local" };

/**
 * A reset or broken pipe from a peer that was connected means the peer is gone (a QEMU killed
 * with unread input in its socket resets it): for the monitor that is an EOF, not an I/O error.
 * @internal
 */
export function isPeerGone(error: Error | undefined): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ECONNRESET" || code === "EPIPE";
}
