import type { z } from "zod";

/**
 * A public domain event type (libvirt's VIR_DOMAIN_EVENT_ID_*), typed by its payload schema.
 * Created with `defineDomainEvent`; subscribers register for it by object or by `id`.
 */
export interface DomainEventType<T = unknown> {
  /** Stable public id, kebab-case (`tray-change`); unique across the plugins of a daemon. */
  readonly id: string;
  /** Validates payloads at the boundary (API socket, tests); TypeScript types them in-process. */
  readonly schema: z.ZodType<T>;
}

/**
 * Defines a public domain event.
 *
 * @example
 * export const TrayChange = defineDomainEvent("tray-change",
 *   z.object({ devAlias: z.string(), reason: z.enum(["open", "close"]) }));
 */
export function defineDomainEvent<S extends z.ZodType>(
  id: string,
  schema: S,
): DomainEventType<z.infer<S>> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) {
    throw new TypeError(
      `domain event id must be kebab-case (e.g. "tray-change"), got ${JSON.stringify(id)}`,
    );
  }
  return Object.freeze({ id, schema: schema as z.ZodType<z.infer<S>> });
}

/** Where producers queue public events; implemented by the daemon's DomainEventState. */
export interface DomainEventSink {
  /** Queues `data` for delivery on a later loop turn; dropped at once when nobody listens. */
  queue<T>(event: DomainEventType<T>, domainUuid: string, data: T): void;
}
