import { unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "@virtevent/core";
import type { z } from "zod";
import { formatIssues } from "../config/load-config.js";
import { ApiSocketError, isDaemonError } from "../daemon-error.js";
import { ApiConnection, MAX_REQUEST_LINE_BYTES } from "./api-connection.js";
import {
  RpcErrorCode,
  type RpcId,
  RpcMethodError,
  RpcRequest,
  rpcError,
  rpcResult,
} from "./json-rpc.js";
import {
  applySocketAccess,
  clearStaleSocket,
  preparePrivateDir,
  type SocketAccess,
} from "./socket-path.js";

/** A method the API socket serves: params validated with `params` before `handler` runs. */
export interface ApiMethod<S extends z.ZodType = z.ZodType> {
  params: S;
  handler(params: z.infer<S>, client: ApiConnection): unknown | Promise<unknown>;
}

/** Options of {@link ApiServer}. */
export interface ApiServerOptions {
  path: string;
  access: SocketAccess;
  methods: ReadonlyMap<string, ApiMethod>;
  logger: Logger;
  /** Per-client output bound in bytes (default MAX_CLIENT_BUFFER_BYTES). */
  maxClientBufferBytes?: number;
}

/** Defines a method with typed params. */
export function apiMethod<S extends z.ZodType>(
  params: S,
  handler: (params: z.infer<S>, client: ApiConnection) => unknown | Promise<unknown>,
): ApiMethod {
  return { params, handler } as ApiMethod;
}

/**
 * The daemon's API socket: newline-delimited JSON-RPC 2.0 on a unix socket with private
 * permissions. Malformed input gets a JSON-RPC error, never a crash; a request line over
 * MAX_REQUEST_LINE_BYTES gets an error and the connection is closed.
 */
export class ApiServer {
  private server: Server | undefined;
  private readonly connections = new Set<ApiConnection>();

  constructor(private readonly options: ApiServerOptions) {}

  /** Clients currently connected. */
  get clientCount(): number {
    return this.connections.size;
  }

  /** Binds the socket (row 17: private dir, mode, stale socket replaced, live one refused). */
  async listen(): Promise<void> {
    const { path, access } = this.options;
    await preparePrivateDir(path, access);
    await clearStaleSocket(path);
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e) => reject(new ApiSocketError(path, e.message, { cause: e })));
      server.listen(path, () => resolve());
    });
    server.on("error", (e) => this.options.logger.error({ err: e }, "API socket error"));
    this.server = server;
    await applySocketAccess(path, access);
  }

  /** Stops accepting, ends every client, and removes the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of this.connections) c.close("server-close");
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(this.options.path).catch(() => {});
  }

  private accept(socket: Socket): void {
    const conn = new ApiConnection(socket, this.options.maxClientBufferBytes);
    this.connections.add(conn);
    conn.onDidClose(() => this.connections.delete(conn));
    socket.on("error", (e) =>
      this.options.logger.debug({ err: e, client: conn.id }, "client error"),
    );
    let pending = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) void this.handleLine(line, conn);
        nl = pending.indexOf("\n");
      }
      if (Buffer.byteLength(pending) > MAX_REQUEST_LINE_BYTES) {
        conn.send(
          rpcError(null, {
            code: RpcErrorCode.INVALID_REQUEST,
            message: `request line longer than ${MAX_REQUEST_LINE_BYTES} bytes`,
          }),
        );
        pending = "";
        conn.close("protocol");
      }
    });
  }

  private async handleLine(line: string, conn: ApiConnection): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      conn.send(rpcError(null, { code: RpcErrorCode.PARSE_ERROR, message: "not valid JSON" }));
      return;
    }
    if (Array.isArray(raw)) {
      if (raw.length === 0) {
        conn.send(rpcError(null, { code: RpcErrorCode.INVALID_REQUEST, message: "empty batch" }));
        return;
      }
      const replies = (await Promise.all(raw.map((r) => this.handleRequest(r, conn)))).filter(
        (r): r is string => r !== undefined,
      );
      if (replies.length > 0) conn.send(`[${replies.join(",")}]`);
      return;
    }
    const reply = await this.handleRequest(raw, conn);
    if (reply !== undefined) conn.send(reply);
  }

  /** Returns the serialised response, or undefined for a notification. */
  private async handleRequest(raw: unknown, conn: ApiConnection): Promise<string | undefined> {
    const parsed = RpcRequest.safeParse(raw);
    const rawId = (raw as { id?: unknown } | null)?.id;
    const id: RpcId = typeof rawId === "string" || typeof rawId === "number" ? rawId : null;
    if (!parsed.success) {
      return rpcError(id, {
        code: RpcErrorCode.INVALID_REQUEST,
        message: "invalid JSON-RPC 2.0 request",
        data: formatIssues(parsed.error, "request"),
      });
    }
    const req = parsed.data;
    const isNotification = req.id === undefined;
    const method = this.options.methods.get(req.method);
    if (!method) {
      if (isNotification) return undefined;
      return rpcError(id, {
        code: RpcErrorCode.METHOD_NOT_FOUND,
        message: `unknown method "${req.method}"; expected one of: ${[...this.options.methods.keys()].join(", ")}`,
      });
    }
    const params = method.params.safeParse(req.params ?? {});
    if (!params.success) {
      if (isNotification) return undefined;
      return rpcError(id, {
        code: RpcErrorCode.INVALID_PARAMS,
        message: `invalid params for "${req.method}"`,
        data: formatIssues(params.error, "params"),
      });
    }
    try {
      const result = await method.handler(params.data, conn);
      return isNotification ? undefined : rpcResult(id, result);
    } catch (e) {
      if (isNotification) return undefined;
      if (e instanceof RpcMethodError) {
        return rpcError(id, { code: e.rpcCode, message: e.message, data: e.data });
      }
      const code = isDaemonError(e) || hasCode(e) ? (e as { code: string }).code : undefined;
      if (code === undefined) {
        this.options.logger.error({ err: e, method: req.method }, "API method failed");
      }
      return rpcError(id, {
        code: code === undefined ? RpcErrorCode.INTERNAL_ERROR : RpcErrorCode.SERVER_ERROR,
        message: e instanceof Error ? e.message : String(e),
        data: code === undefined ? undefined : { code },
      });
    }
  }
}

function hasCode(e: unknown): boolean {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string";
}
