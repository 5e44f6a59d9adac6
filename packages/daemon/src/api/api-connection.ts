import type { Socket } from "node:net";
import { rpcNotification } from "./json-rpc.js";

/** Bytes a client may leave unread before it is cut off (RELIABILITY.md row 12). */
export const MAX_CLIENT_BUFFER_BYTES = 4 * 1024 * 1024;
/** Longest request line accepted from a client. */
export const MAX_REQUEST_LINE_BYTES = 1024 * 1024;
/** How long an overflowed client gets to take its gap notice before it is destroyed. */
export const CLIENT_CLOSE_GRACE_MS = 1000;

/** Why a connection ended. */
export type ConnectionEnd = "eof" | "error" | "overflow" | "protocol" | "server-close";

/**
 * One API-socket client, as method handlers see it: notifications go through a bounded output
 * buffer; a client that stops reading gets a `gap` notice and is disconnected, so a dead
 * subscriber costs at most {@link MAX_CLIENT_BUFFER_BYTES} and never slows anyone else.
 */
export class ApiConnection {
  private static nextId = 1;
  /** Connection id, unique within the process (for logs). */
  readonly id = ApiConnection.nextId++;
  /** Notifications dropped because the client did not read. */
  dropped = 0;
  private ended: ConnectionEnd | undefined;
  private readonly closeListeners: Array<(why: ConnectionEnd) => void> = [];

  constructor(
    private readonly socket: Socket,
    private readonly maxBufferBytes = MAX_CLIENT_BUFFER_BYTES,
  ) {
    socket.on("close", () => this.finish(this.ended ?? "eof"));
  }

  /** True until the connection ends. */
  get open(): boolean {
    return this.ended === undefined;
  }

  /** Sends a notification; false when it was dropped (client gone or overflowing). */
  notify(method: string, params: unknown): boolean {
    return this.send(rpcNotification(method, params));
  }

  /** Sends one serialised message (a line). */
  send(line: string): boolean {
    if (this.ended !== undefined) {
      this.dropped++;
      return false;
    }
    if (this.socket.writableLength + line.length > this.maxBufferBytes) {
      this.overflow();
      return false;
    }
    this.socket.write(`${line}\n`);
    return true;
  }

  /** Runs `fn` once when the connection ends (for removing its registrations). */
  onDidClose(fn: (why: ConnectionEnd) => void): void {
    if (this.ended !== undefined && this.socket.destroyed) fn(this.ended);
    else this.closeListeners.push(fn);
  }

  /** Ends the connection for `why`, letting written data flush. */
  close(why: ConnectionEnd): void {
    if (this.ended !== undefined) return;
    this.ended = why;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLIENT_CLOSE_GRACE_MS).unref();
  }

  private overflow(): void {
    this.dropped++;
    // The gap notice itself bypasses the limit: the client must learn why it lost events.
    this.socket.write(
      `${rpcNotification("gap", { dropped: this.dropped, reason: "client did not read its events; disconnecting" })}\n`,
    );
    this.close("overflow");
  }

  private finish(why: ConnectionEnd): void {
    this.ended ??= why;
    for (const fn of this.closeListeners.splice(0)) fn(why);
  }
}
