import type { Daemon, DomainEventType } from "@virtevent/core";
import { z } from "zod";
import type { ApiConnection } from "../api/api-connection.js";
import { type ApiMethod, apiMethod } from "../api/api-server.js";
import { RpcMethodError } from "../api/json-rpc.js";
import type { ManagedDomain } from "./managed-domain.js";

/** JSON-RPC error code: the named domain is unknown. */
export const RPC_NO_SUCH_DOMAIN = -32004;
/** JSON-RPC error code: the requested operation is not available (plugin not loaded, ...). */
export const RPC_UNAVAILABLE = -32005;

/** What the methods need from the running daemon. */
export interface ApiMethodContext {
  daemon: Daemon;
  managed(): ReadonlyMap<string, ManagedDomain>;
  /** Public event types by id, including core's lifecycle. */
  eventTypes(): ReadonlyMap<string, DomainEventType>;
  /** Changes a drive's medium (provided by the tray plugin). */
  changeMedia?: (args: {
    domain: string;
    alias: string;
    insert?: string;
    eject?: boolean;
    force?: boolean;
    timeoutMs?: number;
  }) => Promise<unknown>;
}

const DomainRef = z.string().min(1).max(128);

function findManaged(ctx: ApiMethodContext, nameOrUuid: string): ManagedDomain {
  const domain = ctx.daemon.domains.get(nameOrUuid);
  const managed = domain ? ctx.managed().get(domain.uuid) : undefined;
  if (!managed)
    throw new RpcMethodError(RPC_NO_SUCH_DOMAIN, `no domain named or with uuid "${nameOrUuid}"`);
  return managed;
}

/** A method on a domain the daemon launches (start, stop); attached domains are refused. */
function launchedOnly(
  ctx: ApiMethodContext,
  run: (m: ManagedDomain) => Promise<unknown>,
): ApiMethod {
  return apiMethod(z.object({ domain: DomainRef }).strict(), (p) => {
    const m = findManaged(ctx, p.domain);
    if (!m.launched) {
      throw new RpcMethodError(
        RPC_UNAVAILABLE,
        `domain ${m.config.name} is attached, not launched by the daemon`,
      );
    }
    return run(m);
  });
}

/** The methods virteventd serves on its API socket (documented in the package README). */
export function createApiMethods(ctx: ApiMethodContext): Map<string, ApiMethod> {
  const { daemon } = ctx;
  // Callback ids per client: a client may only remove its own registrations, and all of them
  // go when it disconnects.
  const owned = new WeakMap<ApiConnection, Set<number>>();
  const idsOf = (conn: ApiConnection): Set<number> => {
    let ids = owned.get(conn);
    if (!ids) {
      const fresh = new Set<number>();
      owned.set(conn, fresh);
      conn.onDidClose(() => {
        fresh.clear();
        daemon.events.deregisterOwner(conn);
      });
      ids = fresh;
    }
    return ids;
  };
  return new Map<string, ApiMethod>([
    [
      "domains.list",
      apiMethod(z.object({}).strict(), () => ({
        domains: daemon.domains.list().map((d) => ({
          name: d.name,
          uuid: d.uuid,
          state: d.state,
          stopReason: d.stopReason,
          incarnation: d.incarnation,
          monitor: ctx.managed().get(d.uuid)?.monitorStatus ?? "none",
          devices: Object.fromEntries(d.devices),
        })),
      })),
    ],
    [
      "events.register",
      apiMethod(
        z.object({ event: z.string().min(1).optional(), domain: DomainRef.optional() }).strict(),
        (p, conn: ApiConnection) => {
          const type =
            p.event === undefined || p.event === "*" ? undefined : ctx.eventTypes().get(p.event);
          if (p.event !== undefined && p.event !== "*" && type === undefined) {
            throw new RpcMethodError(
              -32602,
              `unknown event "${p.event}"; expected "*" or one of: ${[...ctx.eventTypes().keys()].join(", ")}`,
            );
          }
          const ids = idsOf(conn);
          const callbackId = daemon.events.registerAny({
            event: type,
            domain: p.domain,
            owner: conn,
            callback: (domain, data, meta) => {
              conn.notify("event", {
                callbackId: meta.callbackId,
                domain: { name: domain.name, uuid: domain.uuid },
                event: meta.event,
                data,
                timestamp: new Date(meta.timestamp).toISOString(),
              });
            },
          });
          ids.add(callbackId);
          return { callbackId };
        },
      ),
    ],
    [
      "events.deregister",
      apiMethod(z.object({ callbackId: z.number().int().positive() }).strict(), (p, conn) => {
        const ids = idsOf(conn);
        if (!ids.has(p.callbackId)) {
          throw new RpcMethodError(
            -32602,
            `callback ${p.callbackId} is not registered by this client`,
          );
        }
        ids.delete(p.callbackId);
        daemon.events.deregisterAny(p.callbackId);
        return { deregistered: p.callbackId };
      }),
    ],
    [
      "domains.start",
      launchedOnly(ctx, async (m) => {
        await m.launch();
        return { started: m.config.name };
      }),
    ],
    [
      "domains.stop",
      launchedOnly(ctx, async (m) => {
        await m.stop();
        return { stopped: m.config.name };
      }),
    ],
    [
      "media.change",
      apiMethod(
        z
          .object({
            domain: DomainRef,
            alias: z.string().min(1).max(128),
            insert: z.string().min(1).optional(),
            eject: z.boolean().optional(),
            force: z.boolean().optional(),
            timeoutMs: z.number().int().positive().max(600_000).optional(),
          })
          .strict()
          .refine((p) => p.insert !== undefined || p.eject === true, {
            message: "give insert (an absolute file path), eject: true, or both",
          }),
        async (p) => {
          findManaged(ctx, p.domain);
          if (!ctx.changeMedia) {
            throw new RpcMethodError(
              RPC_UNAVAILABLE,
              "media changes need the tray plugin (@virtevent/plugin-tray) loaded",
            );
          }
          return ctx.changeMedia(p);
        },
      ),
    ],
  ]);
}
