/**
 * Why a monitor closed:
 * - `eof`: the peer ended the stream (QEMU exited or was killed: its socket closes cleanly);
 * - `error`: the stream failed or the monitor gave up on the peer (line too long, bad greeting,
 *   failed negotiation, connect timeout); `error` is a `QmpError`;
 * - `local`: `close()` was called.
 */
export type QmpCloseReason =
  | { readonly kind: "eof" }
  | { readonly kind: "error"; readonly error: Error }
  | { readonly kind: "local" };
