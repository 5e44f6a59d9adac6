import { z } from "zod";
import type { Disposable } from "../common/disposable.js";
import type { DomainEventSink, DomainEventType } from "./domain-event-type.js";
import { defineDomainEvent } from "./domain-event-type.js";

const incarnation = z.number().int().nonnegative();

/** Payload schema of {@link LifecycleEvent}. */
export const LifecycleEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("started"), incarnation }),
  z.object({ event: z.literal("suspended"), incarnation }),
  z.object({ event: z.literal("resumed"), incarnation }),
  z.object({
    event: z.literal("stopped"),
    reason: z.enum(["shutdown", "crashed", "destroyed"]),
    incarnation,
  }),
]);

/** Payload of {@link LifecycleEvent}. */
export type LifecycleEventData = z.infer<typeof LifecycleEventSchema>;

/**
 * Core's own public event (libvirt's VIR_DOMAIN_EVENT_ID_LIFECYCLE): a domain started,
 * was suspended or resumed, or stopped (reason shutdown | crashed | destroyed). Every daemon
 * emits it from the DomainRegistry's lifecycle transitions.
 *
 * @example
 * daemon.events.registerAny({ event: LifecycleEvent, callback: (dom, ev) => {
 *   if (ev.event === "stopped") log.info({ domain: dom.name, reason: ev.reason }, "stopped");
 * } });
 */
export const LifecycleEvent: DomainEventType<LifecycleEventData> = defineDomainEvent(
  "lifecycle",
  LifecycleEventSchema,
);

/** The part of a lifecycle transition the public event is built from. */
export interface LifecycleTransition {
  readonly event: "started" | "suspended" | "resumed" | "stopped";
  readonly reason?: "shutdown" | "crashed" | "destroyed";
  readonly incarnation: number;
}

/** What {@link forwardLifecycleEvents} listens to (the DomainRegistry). */
export interface LifecycleSource {
  onDidChangeLifecycle(
    listener: (domain: { readonly uuid: string }, change: LifecycleTransition) => void,
  ): Disposable;
}

/**
 * Queues a {@link LifecycleEvent} on `sink` for every transition `source` reports; the
 * daemon wires its registry to its event state with it. Dispose to stop.
 */
export function forwardLifecycleEvents(source: LifecycleSource, sink: DomainEventSink): Disposable {
  return source.onDidChangeLifecycle((domain, change) => {
    const data: LifecycleEventData =
      change.event === "stopped"
        ? {
            event: "stopped",
            reason: change.reason ?? "destroyed",
            incarnation: change.incarnation,
          }
        : { event: change.event, incarnation: change.incarnation };
    sink.queue(LifecycleEvent, domain.uuid, data);
  });
}
