import { defineDomainEvent, defineProcessEvent } from "@virtevent/core";
import { z } from "zod";

/**
 * Piece 1 of the plugin, the JSON handler: the schema of DEVICE_TRAY_MOVED's `data`. `id` (the
 * qdev id, or the QOM path of a device without one) is the key; `device`, the block backend
 * name, is often `""` with -blockdev and is not used. Data that fails it is dropped by the
 * monitor with one warning and a counter (RELIABILITY.md row 5).
 */
export const DeviceTrayMovedSchema = z.object({
  device: z.string(),
  id: z.string().min(1),
  "tray-open": z.boolean(),
});

/** DEVICE_TRAY_MOVED's data once validated. */
export type DeviceTrayMovedData = z.infer<typeof DeviceTrayMovedSchema>;

/** Payload of the public TRAY_CHANGE event. */
export const TrayChangeSchema = z.object({
  /** The drive's alias: the `id` of DEVICE_TRAY_MOVED (`cd0`). */
  devAlias: z.string(),
  /** Where the tray went. */
  reason: z.enum(["open", "close"]),
});

/** TRAY_CHANGE's payload. */
export type TrayChangeData = z.infer<typeof TrayChangeSchema>;

/**
 * The public event (libvirt's VIR_DOMAIN_EVENT_ID_TRAY_CHANGE): a drive's tray opened or
 * closed. Emitted once per real change, also for moves that happened while no daemon listened.
 *
 * @example
 * daemon.events.registerAny({ event: TrayChange, callback: (dom, ev) => log(dom.name, ev.devAlias, ev.reason) });
 */
export const TrayChange = defineDomainEvent("tray-change", TrayChangeSchema);

/** Payload of {@link TrayMoved}: the latest position reported for one drive. */
export interface TrayMovedPayload {
  readonly alias: string;
  readonly open: boolean;
}

/**
 * The process event the monitor callback submits, coalesced per drive (`coalesceKey` = alias):
 * a guest storming the tray costs one running and one queued job per drive, latest wins.
 */
export const TrayMoved = defineProcessEvent<TrayMovedPayload>("tray/moved");
