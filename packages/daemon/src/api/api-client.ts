import { createConnection, type Socket } from "node:net";
import { DaemonError } from "../daemon-error.js";

/** Default time a call waits for its response. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** A failure talking to the daemon: not running, no access, an error response, a timeout. */
export class ApiClientError extends DaemonError {
  constructor(
    code: string,
    message: string,
    readonly rpcCode?: number,
    readonly data?: unknown,
  ) {
    super(code, message);
  }
}

/** A notification the daemon pushed (`event`, `gap`). */
export interface ApiNotification {
  method: string;
  params: unknown;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A client of the daemon's API socket (used by the `virtevent` CLI; usable from any Node
 * program). Other languages speak the same newline-delimited JSON-RPC 2.0 (see the README).
 *
 * @example
 * const client = await ApiClient.connect("/run/virtevent/virteventd.sock");
 * const domains = await client.call("domains.list");
 */
export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(n: ApiNotification) => void>();
  private readonly closeListeners = new Set<(error?: Error) => void>();
  private buffered = "";

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(undefined));
  }

  /** Connects; rejects with DAEMON_ERR_NOT_RUNNING or DAEMON_ERR_SOCKET_ACCESS when it cannot. */
  static connect(path: string): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once("connect", () => {
        socket.removeAllListeners("error");
        resolve(new ApiClient(socket));
      });
      socket.once("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EACCES" || e.code === "EPERM") {
          reject(
            new ApiClientError(
              "DAEMON_ERR_SOCKET_ACCESS",
              `no permission to use the daemon's socket ${path}`,
            ),
          );
        } else if (e.code === "ENOENT" || e.code === "ECONNREFUSED") {
          reject(
            new ApiClientError(
              "DAEMON_ERR_NOT_RUNNING",
              `virteventd is not running (nothing answers on ${path}); start it with: virteventd --config FILE`,
            ),
          );
        } else {
          reject(
            new ApiClientError("DAEMON_ERR_CONNECT", `cannot connect to ${path}: ${e.message}`),
          );
        }
      });
    });
  }

  /** Calls `method`; resolves with its result, rejects with an ApiClientError. */
  call(
    method: string,
    params: unknown = {},
    timeoutMs = DEFAULT_CALL_TIMEOUT_MS,
  ): Promise<unknown> {
    if (this.socket.destroyed) {
      return Promise.reject(
        new ApiClientError("DAEMON_ERR_DISCONNECTED", "connection to virteventd is closed"),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ApiClientError(
            "DAEMON_ERR_TIMEOUT",
            `"${method}" got no answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  }

  /** Listens to notifications; returns a function that stops listening. */
  onNotification(fn: (n: ApiNotification) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs `fn` when the connection ends (with the error, if any). */
  onClose(fn: (error?: Error) => void): void {
    this.closeListeners.add(fn);
  }

  /** Closes the connection. */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl = this.buffered.indexOf("\n");
    while (nl >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      if (line.trim()) this.onMessage(line);
      nl = this.buffered.indexOf("\n");
    }
  }

  private onMessage(line: string): void {
    let msg: {
      id?: unknown;
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
      method?: string;
      params?: unknown;
    };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof msg.method === "string") {
      for (const fn of this.listeners) fn({ method: msg.method, params: msg.params });
      return;
    }
    const pending = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!pending || typeof msg.id !== "number") return;
    this.pending.delete(msg.id);
    clearTimeout(pending.timer);
    if (msg.error) {
      const data = msg.error.data as { code?: string } | undefined;
      pending.reject(
        new ApiClientError(
          data?.code ?? "DAEMON_ERR_RPC",
          msg.error.message,
          msg.error.code,
          msg.error.data,
        ),
      );
    } else {
      pending.resolve(msg.result);
    }
  }

  private fail(error: Error | undefined): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(
        new ApiClientError(
          "DAEMON_ERR_DISCONNECTED",
          `virteventd closed the connection${error ? `: ${error.message}` : ""}`,
        ),
      );
      this.pending.delete(id);
    }
    for (const fn of this.closeListeners) fn(error);
    this.closeListeners.clear();
  }
}
