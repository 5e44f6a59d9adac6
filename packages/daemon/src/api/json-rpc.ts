import { z } from "zod";

/** JSON-RPC 2.0 error codes used by the API socket. */
export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** The method ran and failed; `data.code` carries the virtevent error code. */
  SERVER_ERROR: -32000,
} as const;

/** A request or notification as it must arrive on the wire. */
export const RpcRequest = z
  .object({
    jsonrpc: z.literal("2.0"),
    method: z.string().min(1),
    params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    id: z.union([z.string(), z.number(), z.null()]).optional(),
  })
  .strict();
export type RpcRequest = z.infer<typeof RpcRequest>;

/** An id as JSON-RPC allows it in a response (null when the request's id is unknowable). */
export type RpcId = string | number | null;

/** The error member of a response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** An error a method handler throws to answer with a specific JSON-RPC error. */
export class RpcMethodError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcMethodError";
  }
}

/** Serialises a success response. */
export function rpcResult(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, result: result === undefined ? null : result });
}

/** Serialises an error response. */
export function rpcError(id: RpcId, error: RpcErrorObject): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error });
}

/** Serialises a server → client notification. */
export function rpcNotification(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", method, params });
}
