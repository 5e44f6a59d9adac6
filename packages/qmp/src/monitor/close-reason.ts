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
