import type { z } from "zod";
import type { QmpEvent } from "../protocol/messages.js";

/**
 * What a plugin contributes for one QMP event: the schema that turns the event's `data` into
 * typed arguments (libvirt's JSON handler), and a synchronous callback run in the reader's turn
 * (the monitor callback). `onEvent` must not block or await a monitor reply: it runs before the
 * next line of the monitor is read.
 */
export interface QmpEventEntry<T = unknown> {
  readonly schema: z.ZodType<T>;
  onEvent(data: T, event: QmpEvent): void;
}

/**
 * The event table of a monitor: event name → entry. The monitor reads it at each event, so a
 * bridge may fill it (or change it) before or after the monitor is attached.
 *
 * @example
 * const table: QmpEventTable = new Map();
 * table.set("DEVICE_TRAY_MOVED", defineQmpEvent(trayMovedSchema, (data) => state.update(data)));
 */
export type QmpEventTable = Map<string, QmpEventEntry>;

/** A listener for every event the monitor receives, known or not, before any validation. */
export type QmpEventListener = (event: QmpEvent) => void;

/**
 * Builds a table entry with `data` typed by `schema`.
 *
 * @example
 * table.set("STOP", defineQmpEvent(z.object({}).optional(), () => domain.markPaused()));
 */
export function defineQmpEvent<S extends z.ZodType>(
  schema: S,
  onEvent: (data: z.output<S>, event: QmpEvent) => void,
): QmpEventEntry {
  return { schema, onEvent } as QmpEventEntry;
}
