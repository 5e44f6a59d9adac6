import { defineDomainEvent, defineProcessEvent } from "@virtevent/core";
import { z } from "zod";

/**
 * A logical VM size in bytes: what QEMU calls `actual` (RAM size minus the balloon). QEMU's
 * schema types it `int`; anything that is not a non-negative integer JSON can carry exactly
 * (integers past 2^53 come back imprecise, overflowing ones as Infinity) is refused.
 */
const VmSizeBytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * Piece 1 of the plugin, the JSON handler: the schema of BALLOON_CHANGE's `data` (QEMU 7.2,
 * qapi/machine.json: `{ actual: int }`, since QEMU 1.2). The monitor applies it before the
 * monitor callback runs; data that fails it is dropped there with one warning and the
 * `event-schema` counter, and the monitor goes on with the next line. Unknown members are
 * ignored (a later QEMU may add some).
 */
export const BalloonChangeEventSchema = z.object({ actual: VmSizeBytes });

/** BALLOON_CHANGE's data once validated. */
export type BalloonChangeEventData = z.infer<typeof BalloonChangeEventSchema>;

/** The reply of `query-balloon` (BalloonInfo), which the resync hook reads. */
export const BalloonInfoSchema = z.object({ actual: VmSizeBytes });

/** Payload of the public `balloon-change` event. */
export const BalloonChangeSchema = z.object({
  /** The guest's logical memory size now, in bytes (RAM minus what the balloon holds). */
  actual: VmSizeBytes,
});

/** `balloon-change`'s payload. */
export type BalloonChangeData = z.infer<typeof BalloonChangeSchema>;

/**
 * The public event (libvirt's VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE): the guest's balloon moved.
 * Emitted once per real change of the size, also for a change that happened while no daemon
 * listened (found by the resync on connect).
 *
 * @example
 * daemon.events.registerAny({ event: BalloonChange, callback: (dom, ev) => log(dom.name, ev.actual) });
 */
export const BalloonChange = defineDomainEvent("balloon-change", BalloonChangeSchema);

/** Payload of {@link BalloonChanged}: the latest size QEMU reported for one domain. */
export interface BalloonChangedPayload {
  readonly actual: number;
}

/**
 * The process event the monitor callback submits, coalesced per domain (one balloon per VM,
 * so one constant key): however fast the events come, a domain costs at most one running and
 * one queued job, and the queued one always carries the latest size.
 */
export const BalloonChanged = defineProcessEvent<BalloonChangedPayload>("balloon/changed");

/** The coalescing key of {@link BalloonChanged}: a VM has one balloon. */
export const BALLOON_COALESCE_KEY = "balloon";
